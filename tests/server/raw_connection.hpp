// A plain TCP connection to the server for the tests that need a deliberately misbehaving client
// (slow heads, stalled bodies, idle keep-alive): send bytes, read until the server closes.
#pragma once

#include <chrono>
#include <string>

namespace webchat::test {

class RawConnection {
 public:
  // `from`: the loopback address to connect from (127.0.0.0/8), to play several client addresses.
  explicit RawConnection(int port, const char* from = "127.0.0.1");
  // Shrinks the receive buffer (call before reading): a client that reads slowly, or not at all.
  void shrinkReceiveBuffer(int bytes);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes);
  // Reads until the server closes the connection (true) or `timeout` passes (false).
  bool readUntilClosed(std::chrono::milliseconds timeout);
  // Reads until `text` has arrived (true) or `timeout` passes or the server closes (false).
  bool readUntil(const std::string& text, std::chrono::milliseconds timeout);
  const std::string& received() const { return received_; }

 private:
  enum class Read { data, idle, closed };
  Read readSome(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string received_;
};

}  // namespace webchat::test
