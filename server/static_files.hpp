// Serves the built web app from one folder: GET and HEAD, MIME types, `/` -> index.html, and no way
// out of the folder (`..`, encoded or not, and symlinks that point outside are all refused).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "http_types.hpp"

namespace webchat {

class StaticFiles final {
 public:
  // `root` must exist; it is resolved once (symlinks included) so that every answer is checked
  // against the real folder.
  explicit StaticFiles(const std::filesystem::path& root);

  // Answers a GET or HEAD for `urlPath` (the target's path): 200 with the file, 304 when the
  // client's If-None-Match matches, 400 for a malformed path, 404 for anything missing or outside
  // the root.
  Response serve(const RequestHead& head, std::string_view urlPath) const;

 private:
  // The real file a URL path names, if it lies inside the root; nullopt otherwise.
  std::optional<std::filesystem::path> resolve(std::string_view urlPath, bool& malformed) const;
  // The bytes of `file` as they are now: read once, then shared by every answer that sends them
  // until the file's size or modification time changes. Nullptr if it cannot be read.
  std::shared_ptr<const std::string> contents(const std::filesystem::path& file, std::uintmax_t size,
                                              std::filesystem::file_time_type modified) const;

  struct CachedFile {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified;
    std::shared_ptr<const std::string> bytes;
  };

  std::filesystem::path root_;
  // One entry per file served (the web root's files bound it); the server is single-threaded.
  mutable std::unordered_map<std::string, CachedFile> cache_;
};

}  // namespace webchat
