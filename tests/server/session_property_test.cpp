// A stateful property test of the real server, in process: seeded random sequences of client actions
// over real loopback sockets (requests, heads and bodies cut anywhere, hang-ups, garbage, time passing
// so that mailbox timeouts and the head, body and idle deadlines fire), with the invariants checked
// after every step:
//  - parked requests never exceed the caps (everyone, per address), and the quota counts exactly
//    the requests the mailbox holds;
//  - texts parked plus bodies arriving never exceed the byte budgets (everyone, per address);
//  - every complete request is answered exactly once unless its client hung up (withdrawn): never
//    twice, never closed unanswered; an incomplete one only ever gets a refusal;
//  - a text reaches at most one get, of its own ID; a set answered 200 had its text delivered.
// Seeds: WEBCHAT_PROPERTY_SEEDS=first:count and WEBCHAT_PROPERTY_STEPS=n run it longer by hand.
#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "signaling_server.hpp"

using namespace webchat;

namespace {

constexpr int kShortestDeadlineMs = 300;
const std::vector<std::string> kAddresses{"127.0.0.1", "127.0.0.2", "127.0.0.3"};

ServerOptions smallLimits() {
  ServerOptions options;
  options.listenHost = "127.0.0.1";
  options.listenPort = 0;
  options.accessLog = false;
  options.maxBodyBytes = 1000;
  options.maxParked = 6;
  options.maxParkedPerIp = 4;
  options.maxParkedBytes = 2500;
  options.maxParkedBytesPerIp = 1800;
  options.maxConnectionsPerIp = 5;
  options.headerTimeoutMs = kShortestDeadlineMs;
  options.bodyTimeoutMs = kShortestDeadlineMs;
  options.idleTimeoutMs = 800;
  return options;
}

struct Reply {
  unsigned status = 0;
  std::string body;
  bool close = false;
};

// One client connection, with at most one request outstanding.
struct Client {
  int fd = -1;
  std::string address;
  std::string in;        // received, not parsed yet
  std::string pending;   // bytes of the current request not sent yet
  bool outstanding = false;
  bool serverClosed = false;
  bool expectClose = false;  // the last answer said Connection: close
  int answers = 0;
  // Since when the server waits for the current request (connected, or last answered): once a
  // deadline may have passed, the server may cut even a request that has just been completed.
  std::chrono::steady_clock::time_point waitingSince = std::chrono::steady_clock::now();
  // The current request.
  enum class Kind { get, set, health, garbage } kind = Kind::get;
  std::string id, text;

  Client(int port, const std::string& from) : address(from) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    // Loopback: the handshake completes in the kernel's backlog, before the server accepts.
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) == 0);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  ~Client() { hangUp(); }
  Client(const Client&) = delete;
  bool deadlineMayHavePassed(std::chrono::milliseconds deadline) const {
    return std::chrono::steady_clock::now() - waitingSince >= deadline - std::chrono::milliseconds(20);
  }
  Client& operator=(const Client&) = delete;

  bool usable() const { return fd >= 0 && !serverClosed && !expectClose; }
  bool complete() const { return outstanding && pending.empty(); }

  void hangUp() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void sendSome(std::size_t bytes) {
    bytes = std::min(bytes, pending.size());
    const auto sent = ::send(fd, pending.data(), bytes, MSG_NOSIGNAL);
    if (sent > 0) pending.erase(0, static_cast<std::size_t>(sent));
  }
  // Reads what has arrived; true if anything did (bytes or the server's close).
  bool readAvailable() {
    if (fd < 0 || serverClosed) return false;
    bool any = false;
    char chunk[4096];
    for (;;) {
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        in.append(chunk, static_cast<std::size_t>(n));
        any = true;
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        serverClosed = true;
        any = true;
      }
      return any;
    }
  }
  // One whole answer off the front of `in`, if there is one (every answer has a Content-Length or
  // no body).
  std::optional<Reply> takeReply() {
    const auto headEnd = in.find("\r\n\r\n");
    if (headEnd == std::string::npos) return std::nullopt;
    const std::string head = in.substr(0, headEnd);
    Reply reply;
    reply.status = static_cast<unsigned>(std::stoul(head.substr(9, 3)));
    std::size_t length = 0;
    if (const auto at = head.find("\r\nContent-Length: "); at != std::string::npos) {
      length = std::stoul(head.substr(at + 18));
    }
    reply.close = head.find("\r\nConnection: close") != std::string::npos;
    if (in.size() < headEnd + 4 + length) return std::nullopt;
    reply.body = in.substr(headEnd + 4, length);
    in.erase(0, headEnd + 4 + length);
    return reply;
  }
};

class Run {
 public:
  explicit Run(std::uint32_t seed) : random_(seed), server_(ioc_, smallLimits()) {
    server_.start();
    port_ = server_.localEndpoint().port();
  }

  void step() {
    const auto roll = pick(100);
    if (roll < 12 || clients_.empty()) {
      openClient();
    } else if (roll < 50) {
      startRequest(randomClient());
    } else if (roll < 68) {
      continueRequest(randomClient());
    } else if (roll < 78) {
      hangUp();
    } else {
      timePasses(5 + pick(150));
    }
    settle();
    checkInvariants();
  }

  // The shutdown drain answers every parked request; then nothing may be left anywhere.
  void finish() {
    server_.shutdown();
    for (int i = 0; i < 100 && !ioc_.stopped(); ++i) {
      ioc_.run_for(std::chrono::milliseconds(10));
      readAll();
    }
    settle();
    for (auto& client : clients_) {
      INFO("client from " << client->address);
      // A client still waiting on a complete request when the server closed was never answered.
      CHECK_FALSE((client->complete() && client->serverClosed));
    }
    const auto& stats = server_.mailbox().stats();
    CHECK(stats.parkedGets + stats.parkedSets == 0);
    CHECK(server_.quota().slotsInUse() == 0);
    CHECK(server_.quota().reservedBytes() == 0);
  }

  std::size_t answers() const { return answers_; }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
  Client& randomClient() { return *clients_[pick(clients_.size())]; }

  void openClient() {
    if (clients_.size() >= 12) return hangUp();
    clients_.push_back(std::make_unique<Client>(port_, kAddresses[pick(kAddresses.size())]));
  }

  void startRequest(Client& client) {
    if (!client.usable()) return;
    if (client.outstanding) return continueRequest(client);
    static const std::vector<std::string> ids{"a", "b", "c"};
    static const std::vector<std::string> timeouts{"0", "60", "300", "60000"};
    client.id = ids[pick(ids.size())];
    const std::string query = "&timeoutms=" + timeouts[pick(timeouts.size())];
    const auto kind = pick(20);
    if (kind < 8) {
      client.kind = Client::Kind::get;
      client.pending = "POST /sig?get=" + client.id + query +
                       " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    } else if (kind < 18) {
      client.kind = Client::Kind::set;
      static const std::vector<std::size_t> sizes{1, 40, 400, 900, 1200};
      client.text = "text" + std::to_string(++texts_) + "-";
      client.text.resize(std::max(client.text.size(), sizes[pick(sizes.size())]), 'x');
      textIds_[client.text] = client.id;
      client.pending = "POST /sig?set=" + client.id + query + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(client.text.size()) + "\r\n\r\n" + client.text;
    } else if (kind < 19) {
      client.kind = Client::Kind::health;
      client.pending = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    } else {
      client.kind = Client::Kind::garbage;
      client.pending = "NOT HTTP AT ALL\r\n\r\n";
    }
    client.outstanding = true;
    // Whole, or cut anywhere (in the head or in the body).
    client.sendSome(pick(2) ? client.pending.size() : pick(client.pending.size() + 1));
  }

  void continueRequest(Client& client) {
    if (!client.usable() || !client.outstanding || client.pending.empty()) return;
    client.sendSome(pick(2) ? client.pending.size() : 1 + pick(client.pending.size()));
  }

  void hangUp() {
    if (clients_.empty()) return;
    const auto index = pick(clients_.size());
    auto& client = *clients_[index];
    // A get sent whole may still be on its way in: it may take a text that then reaches no one.
    if (client.complete() && client.kind == Client::Kind::get) ++getsGone_[client.id];
    client.hangUp();  // a parked request of its is withdrawn, never answered
    clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(index));
  }

  void timePasses(std::size_t ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      ioc_.run_for(std::chrono::milliseconds(5));
      readAll();
    }
  }

  // Runs the server until it has nothing left to do with what the clients sent (loopback delivery
  // may lag a little behind send() on a busy machine: quiet means quiet for a few milliseconds).
  void settle() {
    for (int quiet = 0; quiet < 3;) {
      const auto ran = ioc_.run_for(std::chrono::milliseconds(1));
      const bool read = readAll();
      quiet = ran == 0 && !read ? quiet + 1 : 0;
    }
  }

  bool readAll() {
    bool any = false;
    for (auto& client : clients_) {
      if (!client->readAvailable()) continue;
      any = true;
      while (auto reply = client->takeReply()) onReply(*client, *reply);
      if (client->serverClosed) {
        INFO("client from " << client->address << ", request " << static_cast<int>(client->kind));
        // Deadlines cut incomplete requests without an answer; a complete one is always answered.
        if (!client->deadlineMayHavePassed(std::chrono::milliseconds(kShortestDeadlineMs))) {
          CHECK_FALSE(client->complete());
        }
        client->outstanding = false;
      }
    }
    return any;
  }

  void onReply(Client& client, const Reply& reply) {
    ++answers_;
    INFO("status " << reply.status << " to a client from " << client.address);
    if (!client.outstanding) {
      // Only the connection cap answers before any request, and only as the first answer.
      CHECK(reply.status == 429);
      CHECK(client.answers == 0);
      CHECK(reply.close);
    } else if (!client.complete()) {
      CHECK(reply.status >= 400);  // refused on its head, or a malformed head
    }
    ++client.answers;
    client.waitingSince = std::chrono::steady_clock::now();
    client.expectClose = client.expectClose || reply.close;
    if (client.outstanding && reply.status == 200) {
      if (client.kind == Client::Kind::get) {
        const auto found = textIds_.find(reply.body);
        REQUIRE(found != textIds_.end());
        CHECK(found->second == client.id);  // a text goes to a get of its own ID
        CHECK(delivered_.insert(reply.body).second);  // ... and to one get only
      } else if (client.kind == Client::Kind::set) {
        setsTaken_.insert(client.text);
      }
    }
    client.outstanding = false;
    client.pending.clear();
  }

  void checkInvariants() {
    const auto& quota = server_.quota();
    const auto& limits = quota.limits();
    const auto& stats = server_.mailbox().stats();
    CHECK(quota.slotsInUse() == stats.parkedGets + stats.parkedSets);
    CHECK(quota.slotsInUse() <= limits.maxParked);
    CHECK(quota.reservedBytes() + stats.bytesParked <= limits.maxBytes);
    for (const auto& address : kAddresses) {
      INFO("address " << address);
      CHECK(quota.parkedBy(address) <= limits.maxPerClient);
      CHECK(quota.bytesOf(address) <= limits.maxBytesPerClient);
    }
    // Every text taken reached a get, but for gets whose clients hung up as they were sent.
    std::map<std::string, int> lost;
    for (const auto& text : setsTaken_) lost[textIds_[text]] += delivered_.count(text) == 0 ? 1 : 0;
    for (const auto& [id, count] : lost) {
      INFO("ID " << id);
      CHECK(count <= getsGone_[id]);
    }
  }

  std::mt19937 random_;
  boost::asio::io_context ioc_{1};
  SignalingServer server_;
  int port_ = 0;
  std::vector<std::unique_ptr<Client>> clients_;
  std::map<std::string, std::string> textIds_;  // every text sent, and its ID
  std::set<std::string> delivered_;             // texts a get received
  std::set<std::string> setsTaken_;             // texts whose set was answered 200
  std::map<std::string, int> getsGone_;         // gets sent whole, then hung up unanswered, by ID
  int texts_ = 0;
  std::size_t answers_ = 0;
};

std::pair<std::uint32_t, std::uint32_t> seeds() {
  const char* given = std::getenv("WEBCHAT_PROPERTY_SEEDS");
  if (!given || !*given) return {1, 6};
  const std::string text(given);
  const auto colon = text.find(':');
  return {static_cast<std::uint32_t>(std::stoul(text.substr(0, colon))),
          colon == std::string::npos ? 1u : static_cast<std::uint32_t>(std::stoul(text.substr(colon + 1)))};
}

int steps() {
  const char* given = std::getenv("WEBCHAT_PROPERTY_STEPS");
  return given && *given ? std::stoi(given) : 200;
}

}  // namespace

TEST_CASE("session property: caps, budgets and exactly-once hold after every step of random clients") {
  const auto [first, count] = seeds();
  for (auto seed = first; seed < first + count; ++seed) {
    INFO("seed " << seed << " (rerun: WEBCHAT_PROPERTY_SEEDS=" << seed << ":1)");
    Run run(seed);
    for (int i = 0; i < steps(); ++i) {
      INFO("step " << i);
      run.step();
    }
    run.finish();
    CHECK(run.answers() > 0);
  }
}
