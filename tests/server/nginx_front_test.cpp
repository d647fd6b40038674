// The deployment of docs/deploy.md, for real: Debian's nginx running docs/deploy/nginx-webchat.conf
// (ports, certificate and instance addresses substituted; every path inside the test's folder) in
// front of two instances sharing one redis-server. curl talks HTTPS to nginx only.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server_topologies.hpp"

using namespace webchat::test;
using namespace std::chrono_literals;

#ifndef WEBCHAT_SOURCE_DIR
#error "WEBCHAT_SOURCE_DIR must name the repository"
#endif

namespace {

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// nginx with the deployment's site file, on free loopback ports, in its own folder.
class NginxFront {
 public:
  NginxFront(const std::string& instanceA, const std::string& instanceB) {
    char pattern[] = "/tmp/webchat-nginx-XXXXXX";
    REQUIRE(::mkdtemp(pattern));
    dir_ = pattern;
    httpsPort_ = freeLoopbackPort();
    httpPort_ = freeLoopbackPort();
    REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
                         " -keyout '" + dir_ + "/key.pem' -out '" + dir_ + "/cert.pem'"
                         " >/dev/null 2>&1").c_str()) == 0);

    std::ifstream in(std::string(WEBCHAT_SOURCE_DIR) + "/docs/deploy/nginx-webchat.conf");
    std::stringstream site;
    site << in.rdbuf();
    std::string conf = site.str();
    REQUIRE(conf.find("127.0.0.1:8081") != std::string::npos);
    replaceAll(conf, "127.0.0.1:8081", instanceA);
    replaceAll(conf, "127.0.0.1:8082", instanceB);
    replaceAll(conf, "listen [::]:80;", "");
    replaceAll(conf, "listen [::]:443 ssl http2;", "");
    replaceAll(conf, "listen 80;", "listen 127.0.0.1:" + std::to_string(httpPort_) + ";");
    replaceAll(conf, "listen 443 ssl", "listen 127.0.0.1:" + std::to_string(httpsPort_) + " ssl");
    replaceAll(conf, "/etc/ssl/webchat/fullchain.pem", dir_ + "/cert.pem");
    replaceAll(conf, "/etc/ssl/webchat/privkey.pem", dir_ + "/key.pem");
    std::ofstream(dir_ + "/site.conf") << conf;
    std::ofstream(dir_ + "/nginx.conf")
        << "daemon off;\nworker_processes 1;\npid " << dir_ << "/nginx.pid;\nerror_log " << dir_
        << "/error.log;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_
        << "/proxy;\n  fastcgi_temp_path " << dir_ << "/fastcgi;\n  uwsgi_temp_path " << dir_
        << "/uwsgi;\n  scgi_temp_path " << dir_ << "/scgi;\n  include " << dir_
        << "/site.conf;\n}\n";
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{WEBCHAT_NGINX, "-e", dir_ + "/error.log", "-p", dir_, "-c",
                                 dir_ + "/nginx.conf"},
        dir_ + "/stderr.log");
    const auto deadline = Clock::now() + 20s;
    while (curl({"-k"}, url("/healthz"), 5s).status != 200) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(20ms);
    }
  }
  ~NginxFront() {
    // SIGTERM: nginx's master stops its worker before exiting. The Subprocess's SIGKILL (only if
    // this wait runs out) would leave the worker behind, orphaned.
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(10));
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string url(const std::string& pathAndQuery) const {
    return "https://127.0.0.1:" + std::to_string(httpsPort_) + pathAndQuery;
  }
  std::string plainUrl(const std::string& pathAndQuery) const {
    return "http://127.0.0.1:" + std::to_string(httpPort_) + pathAndQuery;
  }

 private:
  std::string dir_;
  int httpsPort_ = 0, httpPort_ = 0;
  std::unique_ptr<Subprocess> process_;
};

std::string address(const ServerProcess& server) {
  return "127.0.0.1:" + std::to_string(server.port());
}

void exchangeThrough(const NginxFront& front, const std::string& id) {
  BackgroundCurl get({"-k", "-X", "POST"}, front.url("/sig?get=" + id + "&timeoutms=20000"));
  // The get may land on either instance; the set is sent until it finds it parked (timeoutms=0).
  const auto deadline = Clock::now() + 20s;
  HttpResult set;
  do {
    set = curl({"-k", "-X", "POST", "--data-binary", "text " + id},
               front.url("/sig?set=" + id + "&timeoutms=1000"));
  } while (set.status == 204 && Clock::now() < deadline);
  CHECK(set.status == 200);
  const auto got = get.finish();
  CHECK(got.status == 200);
  CHECK(got.body == "text " + id);
}

}  // namespace

TEST_CASE("nginx as in docs/deploy.md: HTTPS round-robin over two instances sharing Redis") {
  RedisProcess redis;
  ServerProcess a({"--redis", redis.url(), "--quiet"});
  ServerProcess b({"--redis", redis.url(), "--quiet"});
  NginxFront front(address(a), address(b));

  SECTION("plain HTTP is redirected to HTTPS") {
    const auto redirect = curl({}, front.plainUrl("/sig?get=x"));
    CHECK(redirect.status == 301);
    CHECK(redirect.header("location").rfind("https://", 0) == 0);
  }

  SECTION("exchanges work whichever instance each request reaches, and both instances serve") {
    for (int i = 0; i < 6; ++i) exchangeThrough(front, "rr" + std::to_string(i));
    CHECK(a.metric("webchat_deliveries_total") >= 1);
    CHECK(b.metric("webchat_deliveries_total") >= 1);
  }

  SECTION("a client that hangs up through nginx is withdrawn by its instance") {
    BackgroundCurl set({"-k", "-X", "POST", "-d", "never"}, front.url("/sig?set=gone"));
    const auto deadline = Clock::now() + 20s;
    while (a.metric("webchat_parked_sets") + b.metric("webchat_parked_sets") != 1) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(10ms);
    }
    set.kill();
    while (a.metric("webchat_withdrawals_total") + b.metric("webchat_withdrawals_total") != 1) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(10ms);
    }
    CHECK(curl({"-k", "-X", "POST"}, front.url("/sig?get=gone")).status == 204);
  }

  SECTION("an instance killed: nginx sends everything to the survivor") {
    a.process().signal(SIGKILL);
    a.process().wait(5s);
    for (int i = 0; i < 4; ++i) exchangeThrough(front, "survivor" + std::to_string(i));
  }
}
