// Static files of the web app over real HTTP: MIME types, index, HEAD, caching, no escape.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "raw_connection.hpp"
#include "subprocess.hpp"

using namespace webchat::test;
namespace fs = std::filesystem;

namespace {

// A web root with a few files, a symlink that points out of it, and a secret beside it.
struct WebRoot {
  fs::path base = fs::temp_directory_path() / ("webchat-static-" + std::to_string(getpid()));
  fs::path root = base / "web";
  WebRoot() {
    fs::remove_all(base);
    fs::create_directories(root / "sub");
    write(root / "index.html", "<!doctype html><title>webchat</title>");
    write(root / "app.js", "export {};");
    write(root / "worker.mjs", "");
    write(root / "room.wasm", std::string("\0asm\1\0\0\0", 8));
    write(root / "style.css", "body{}");
    write(root / "icon.svg", "<svg/>");
    write(root / "manifest.json", "{}");
    write(root / "sub" / "index.html", "sub");
    write(base / "secret.txt", "secret");
    fs::create_symlink(base / "secret.txt", root / "leak.txt");
    fs::create_directory_symlink(base, root / "up");
  }
  ~WebRoot() { fs::remove_all(base); }
  static void write(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }
};

}  // namespace

TEST_CASE("static files are served with the right MIME types, / is index.html") {
  WebRoot web;
  ServerProcess server({"--web-root", web.root.string()});
  const std::vector<std::pair<std::string, std::string>> expected{
      {"/", "text/html; charset=utf-8"},
      {"/index.html", "text/html; charset=utf-8"},
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/worker.mjs", "text/javascript; charset=utf-8"},
      {"/room.wasm", "application/wasm"},
      {"/style.css", "text/css; charset=utf-8"},
      {"/icon.svg", "image/svg+xml"},
      {"/manifest.json", "application/json"},
      {"/sub/", "text/html; charset=utf-8"},
  };
  for (const auto& [path, type] : expected) {
    INFO(path);
    const auto res = curl({}, server.url(path));
    CHECK(res.status == 200);
    CHECK(res.header("content-type") == type);
    CHECK(res.header("access-control-allow-origin") == "*");
  }
  CHECK(curl({}, server.url("/")).body == "<!doctype html><title>webchat</title>");
  CHECK(curl({}, server.url("/room.wasm")).body == std::string("\0asm\1\0\0\0", 8));
  CHECK(curl({}, server.url("/missing.js")).status == 404);
}

TEST_CASE("HEAD gives the headers and length of GET without the body") {
  WebRoot web;
  ServerProcess server({"--web-root", web.root.string()});
  const auto head = curl({"-I"}, server.url("/app.js"));
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "10");
  CHECK(head.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(head.body.empty());
}

TEST_CASE("caching: an ETag, revalidation each use, 304 when unchanged") {
  WebRoot web;
  ServerProcess server({"--web-root", web.root.string()});
  const auto first = curl({}, server.url("/app.js"));
  const auto etag = first.header("etag");
  REQUIRE_FALSE(etag.empty());
  CHECK(first.header("cache-control") == "no-cache");
  const auto again = curl({"-H", "If-None-Match: " + etag}, server.url("/app.js"));
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("content-length").empty());  // RFC 9110 section 8.6
  // Lists, weak tags and "*" match too (weak comparison, RFC 9110 section 13.1.2).
  const std::vector<std::string> matching{"\"other\", " + etag, "W/" + etag, "*",
                                          "\"x\",W/" + etag};
  for (const auto& match : matching) {
    INFO("If-None-Match: " << match);
    CHECK(curl({"-H", "If-None-Match: " + match}, server.url("/app.js")).status == 304);
  }
  CHECK(curl({"-H", "If-None-Match: \"other\", W/\"x\""}, server.url("/app.js")).status == 200);
}

TEST_CASE("a gzip copy beside a file is sent to clients that take gzip, the file itself to others") {
  WebRoot web;
  WebRoot::write(web.root / "style.css.gz", "pretend this is gzip");
  ServerProcess server({"--web-root", web.root.string()});
  const auto zipped = curl({"-H", "Accept-Encoding: br, gzip;q=0.8"}, server.url("/style.css"));
  CHECK(zipped.status == 200);
  CHECK(zipped.header("content-encoding") == "gzip");
  CHECK(zipped.header("content-type") == "text/css; charset=utf-8");
  CHECK(zipped.header("vary") == "Accept-Encoding");
  CHECK(zipped.body == "pretend this is gzip");
  const auto plain = curl({"-H", "Accept-Encoding: gzip;q=0"}, server.url("/style.css"));
  CHECK(plain.header("content-encoding").empty());
  CHECK(plain.body == "body{}");
  CHECK(curl({}, server.url("/app.js")).header("content-encoding").empty());  // no copy: the file
  CHECK(zipped.header("etag") != plain.header("etag"));
}

TEST_CASE("no escape from the web root: dot segments, encoded or not, and symlinks out") {
  WebRoot web;
  ServerProcess server({"--web-root", web.root.string()});
  for (const std::string path : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                                 "/sub/../../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt",
                                 "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/%zz"}) {
    INFO(path);
    const auto res = curl({"--path-as-is"}, server.url(path));
    CHECK((res.status == 400 || res.status == 404));
    CHECK(res.body.find("secret") == std::string::npos);
  }
  for (const std::string path : {"/leak.txt", "/up/secret.txt", "//etc/passwd"}) {
    INFO(path);
    const auto res = curl({"--path-as-is"}, server.url(path));
    CHECK(res.status == 404);
    CHECK(res.body.find("secret") == std::string::npos);
  }
}

TEST_CASE("without --web-root only the API answers, static paths are 404") {
  ServerProcess server;
  CHECK(curl({}, server.url("/")).status == 404);
  CHECK(curl({}, server.url("/healthz")).status == 200);
}

TEST_CASE("SIGTERM while a client that reads nothing has pipelined big answers: exit 0 (bug 2)") {
  // The answers that cannot be written keep sessions alive past the grace period; they must be
  // taken down while the server still exists (the ASan build of tools/test catches any use after).
  WebRoot web;
  // 20 answers of 3 MB: more than both sockets' buffers can take (the client's window was agreed
  // before it shrinks its buffer), so answers are still being written at the signal.
  WebRoot::write(web.root / "big.html", std::string(3'000'000, 'h'));
  ServerProcess server({"--web-root", web.root.string()});
  RawConnection greedy(server.port());
  greedy.shrinkReceiveBuffer(4096);
  std::string requests;
  for (int i = 0; i < 20; ++i) requests += "GET /big.html HTTP/1.1\r\nHost: x\r\n\r\n";
  greedy.send(requests);
  REQUIRE(server.waitForMetric("webchat_connections_open", 2));  // and the observer's own
  REQUIRE(greedy.readUntil("HTTP/1.1 200", std::chrono::seconds(10)));  // the server is writing

  server.process().signal(SIGTERM);
  const auto status = server.process().wait(std::chrono::seconds(5));
  REQUIRE(status);
  CHECK(*status == 0);
}
