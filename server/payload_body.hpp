// The body of every answer: either its own text, or bytes shared by all the answers that send them
// (a static file read once, see static_files.cpp). A thousand clients sent the same file then hold a
// thousand references to one copy, not a thousand copies.
#pragma once

#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace webchat {

class Payload final {
 public:
  Payload() = default;
  // Implicit, as string_body's std::string is: `res.body() = text;` reads as before.
  Payload(std::string text) : text_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
  Payload& operator=(std::string text) {
    text_ = std::move(text);
    shared_.reset();
    return *this;
  }
  static Payload sharing(std::shared_ptr<const std::string> bytes) {
    Payload payload;
    payload.shared_ = std::move(bytes);
    return payload;
  }

  std::string_view view() const { return shared_ ? std::string_view(*shared_) : text_; }
  std::size_t size() const { return view().size(); }
  bool empty() const { return view().empty(); }
  void clear() {
    text_.clear();
    shared_.reset();
  }
  friend bool operator==(const Payload& payload, std::string_view text) {
    return payload.view() == text;
  }

 private:
  std::string text_;
  std::shared_ptr<const std::string> shared_;
};

// A Beast body (for responses only: nothing is parsed into it) that sends a Payload as it lies.
struct PayloadBody {
  using value_type = Payload;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      const auto bytes = body_.view();
      return {{const_buffers_type(bytes.data(), bytes.size()), false}};
    }

   private:
    const value_type& body_;
  };
};

}  // namespace webchat
