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

void appendResponseHead(const Response& res, std::string& out) {
  const unsigned version = res.version();
  if (version == 11) {
    out.append("HTTP/1.1 ");
  } else {
    out.append("HTTP/");
    out.push_back(static_cast<char>('0' + version / 10));
    out.push_back('.');
    out.push_back(static_cast<char>('0' + version % 10));
    out.push_back(' ');
  }
  char status[3] = {'0', '0', '0'};  // three digits, as Beast writes it
  const unsigned code = res.result_int() % 1000;
  status[0] = static_cast<char>('0' + code / 100);
  status[1] = static_cast<char>('0' + code / 10 % 10);
  status[2] = static_cast<char>('0' + code % 10);
  out.append(status, 3).push_back(' ');
  const auto reason = res.reason();
  out.append(reason.data(), reason.size()).append("\r\n");
  for (const auto& field : res) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size()).append(": ").append(value.data(), value.size());
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace webchat
