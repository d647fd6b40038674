#include "http_types.hpp"

namespace webchat {

Response textResponse(http::status status, std::string body) {
  if (body.empty() || body.back() != '\n') body.push_back('\n');
  return plainTextResponse(status, std::move(body));
}

Response plainTextResponse(http::status status, std::string body) {
  Response res{status, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response emptyResponse(http::status status) {
  // No Content-Length: a 204 must not carry one, a 304's would describe the file (RFC 9110 8.6).
  return Response{status, 11};
}

}  // namespace webchat
