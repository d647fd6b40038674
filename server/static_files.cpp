#include "static_files.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#include "mime_types.hpp"
#include "percent_decode.hpp"

namespace webchat {
namespace fs = std::filesystem;

namespace {

bool isInside(const fs::path& root, const fs::path& candidate) {
  auto r = root.begin();
  auto c = candidate.begin();
  for (; r != root.end(); ++r, ++c) {
    if (c == candidate.end() || *r != *c) return false;
  }
  return true;
}

// A validator that changes whenever the file is replaced or rewritten (size or mtime).
std::string etagFor(std::uintmax_t size, fs::file_time_type modified) {
  return "\"" + std::to_string(size) + "-" +
         std::to_string(static_cast<std::uint64_t>(modified.time_since_epoch().count())) + "\"";
}

// Whether an Accept-Encoding header admits gzip ("gzip", "gzip;q=0.5", not "gzip;q=0").
bool acceptsGzip(std::string_view header) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view params = item.substr(semicolon + 1);
    const auto q = params.find("q=");
    if (q == std::string_view::npos) return true;
    const std::string value(params.substr(q + 2));
    return std::strtod(value.c_str(), nullptr) > 0.0;
  }
  return false;
}

// Whether an If-None-Match value ("*", or a list of entity tags, weak or strong) matches `etag`,
// by the weak comparison of RFC 9110 section 13.1.2.
bool noneMatch(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t' ||
                               header.front() == ',')) {
      header.remove_prefix(1);
    }
    if (header.empty()) break;
    if (header.front() == '*') return true;
    if (header.substr(0, 2) == "W/") header.remove_prefix(2);
    if (header.empty() || header.front() != '"') return false;  // malformed: no match
    const auto close = header.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (header.substr(0, close + 1) == etag) return true;
    header.remove_prefix(close + 1);
  }
  return false;
}

}  // namespace

StaticFiles::StaticFiles(const fs::path& root) : root_(fs::canonical(root)) {}

std::optional<fs::path> StaticFiles::resolve(std::string_view urlPath, bool& malformed) const {
  malformed = false;
  const auto decoded = percentDecode(urlPath);
  if (!decoded || decoded->empty() || decoded->front() != '/' ||
      decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) {
    malformed = true;
    return std::nullopt;
  }
  // Refuse dot segments outright rather than normalising them: no legitimate link of the app has one.
  std::string relative = decoded->substr(1);
  for (std::size_t start = 0; start <= relative.size();) {
    const auto end = std::min(relative.find('/', start), relative.size());
    const auto segment = std::string_view(relative).substr(start, end - start);
    if (segment == "." || segment == "..") {
      malformed = true;
      return std::nullopt;
    }
    start = end + 1;
  }
  if (relative.empty() || relative.back() == '/') relative += "index.html";

  std::error_code ec;
  fs::path real = fs::canonical(root_ / relative, ec);  // resolves symlinks
  if (ec) return std::nullopt;
  if (fs::is_directory(real, ec)) real = fs::canonical(real / "index.html", ec);
  if (ec || !isInside(root_, real) || !fs::is_regular_file(real, ec)) return std::nullopt;
  return real;
}

std::shared_ptr<const std::string> StaticFiles::contents(const fs::path& file, std::uintmax_t size,
                                                         fs::file_time_type modified) const {
  auto& cached = cache_[file.native()];
  if (cached.bytes && cached.size == size && cached.modified == modified) return cached.bytes;
  // Answers still being written keep the old bytes alive; new answers get the new ones.
  cached = {};
  std::ifstream in(file, std::ios::binary);
  auto bytes = std::make_shared<std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return nullptr;
  // Being rewritten as we read: send what was read, but read again next time.
  if (bytes->size() != size) return bytes;
  cached = {size, modified, bytes};
  return bytes;
}

Response StaticFiles::serve(const RequestHead& head, std::string_view urlPath) const {
  bool malformed = false;
  const auto file = resolve(urlPath, malformed);
  if (malformed) return textResponse(http::status::bad_request, "malformed path");
  if (!file) return textResponse(http::status::not_found, "not found");

  // The build writes a gzip copy next to each text file (index.html.gz): sent as is to clients that take
  // gzip, it cuts the app's transfer to a third without compressing anything per request.
  std::error_code ec;
  fs::path body = *file;
  const bool gzipped = acceptsGzip(std::string_view(head[http::field::accept_encoding].data(),
                                                    head[http::field::accept_encoding].size())) &&
                       fs::is_regular_file(fs::path(file->native() + ".gz"), ec);
  if (gzipped) body += ".gz";
  const auto size = fs::file_size(body, ec);
  const auto modified = fs::last_write_time(body, ec);
  if (ec) return textResponse(http::status::not_found, "not found");
  const std::string etag = etagFor(size, modified);

  Response res;
  if (noneMatch(std::string_view(head[http::field::if_none_match].data(),
                                 head[http::field::if_none_match].size()),
                etag)) {
    res = emptyResponse(http::status::not_modified);
  } else {
    res = Response{http::status::ok, 11};
    res.set(http::field::content_type, std::string(mimeTypeForPath(file->native())));
    if (gzipped) res.set(http::field::content_encoding, "gzip");
    if (head.method() == http::verb::head) {
      res.content_length(size);  // announce the size, send no body
    } else {
      auto bytes = contents(body, size, modified);
      if (!bytes) return textResponse(http::status::not_found, "not found");
      res.body() = Payload::sharing(std::move(bytes));
      res.prepare_payload();
    }
  }
  // File names of the app are not content-hashed: let browsers keep copies but revalidate each
  // use (a 304 costs one round trip and no body).
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::vary, "Accept-Encoding");
  return res;
}

}  // namespace webchat
