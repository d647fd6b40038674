#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace webchat::test {

RawConnection::RawConnection(int port, const char* from) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  if (fd_ < 0 || ::inet_pton(AF_INET, from, &source.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
    throw std::runtime_error(std::string("cannot bind a client socket to ") + from);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect to the server");
  }
}

RawConnection::~RawConnection() { ::close(fd_); }

void RawConnection::shrinkReceiveBuffer(int bytes) {
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

void RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may already have closed: what it said is in received()
    sent += static_cast<std::size_t>(n);
  }
}

RawConnection::Read RawConnection::readSome(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(std::max<long long>(0, left.count()))) <= 0) return Read::idle;
  char chunk[4096];
  const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return Read::closed;
  received_.append(chunk, static_cast<std::size_t>(n));
  return Read::data;
}

bool RawConnection::readUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto result = readSome(deadline);
    if (result == Read::closed) return true;
    if (result == Read::idle) return false;
  }
}

bool RawConnection::readUntil(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (received_.find(text) == std::string::npos) {
    if (readSome(deadline) != Read::data) return false;
  }
  return true;
}

}  // namespace webchat::test
