// Beast message types shared by the request handler and the socket session, and the helper that
// builds the small plain-text answers (every error is one line of text, ending in a newline).
#pragma once

#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <boost/beast/http.hpp>
#include <string>

#include "payload_body.hpp"

namespace webchat {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using RequestHead = http::request_header<>;
// Static files share one copy of their bytes between answers (payload_body.hpp).
using Response = http::response<PayloadBody>;

// A response with a text/plain body; `body` gets a trailing newline when it has none (curl prints it
// on its own line).
Response textResponse(http::status status, std::string body);

// A text/plain response whose body is exactly `body` (a delivered text, byte for byte).
Response plainTextResponse(http::status status, std::string body);

// A response with no body (204, 304, preflight answers).
Response emptyResponse(http::status status);

// The status line and header fields of `res` as Beast's serializer writes them, ending in the empty
// line, appended to `out`; the body follows as is (a Response always has a Content-Length or none).
// The session writes these two buffers itself: Beast's serializer cost a third of a request's CPU.
void appendResponseHead(const Response& res, std::string& out);

}  // namespace webchat
