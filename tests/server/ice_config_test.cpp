// GET /config's body and the TURN REST credentials it mints (coturn's use-auth-secret scheme). The
// credentials are proven against a real coturn by the network lab (tests/lab); here, the exact bytes.
#include <catch2/catch.hpp>

#include "ice_config.hpp"

using webchat::IceOptions;

TEST_CASE("a TURN password is base64 of HMAC-SHA1 over the username, as coturn computes it") {
  // printf '%s' 1700003600:webchat | openssl dgst -sha1 -hmac s3cret -binary | base64
  CHECK(webchat::turnPassword("s3cret", "1700003600:webchat") == "NGKPiVWJlhL2Z7dGVHh75qU3BvQ=");
}

TEST_CASE("the config lists STUN servers, then TURN servers with credentials valid for the ttl") {
  IceOptions options;
  options.stun = {"stun:turn.example.org:3478"};
  options.turn = {"turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"};
  options.turnSecret = "s3cret";
  CHECK(webchat::iceConfigJson(options, 1'700'000'000) ==
        R"({"iceServers":[{"urls":["stun:turn.example.org:3478"]},)"
        R"({"urls":["turn:turn.example.org:3478?transport=udp","turn:turn.example.org:3478?transport=tcp"],)"
        R"("username":"1700003600:webchat","credential":"NGKPiVWJlhL2Z7dGVHh75qU3BvQ="}],"ttl":3600})");
}

TEST_CASE("without ICE servers the config is an empty list") {
  CHECK(webchat::iceConfigJson(IceOptions{}, 1'700'000'000) == R"({"iceServers":[],"ttl":3600})");
}

TEST_CASE("ICE options that cannot work are refused with the reason") {
  IceOptions options;
  CHECK(webchat::checkIceOptions(options).empty());
  options.turn = {"turn:turn.example.org:3478"};
  CHECK_THAT(webchat::checkIceOptions(options), Catch::Contains("--turn needs --turn-secret"));
  options.turnSecret = "s3cret";
  CHECK(webchat::checkIceOptions(options).empty());
  options.turnTtlSeconds = 10;
  CHECK_THAT(webchat::checkIceOptions(options), Catch::Contains("--turn-ttl"));
  options.turnTtlSeconds = 3600;
  options.stun = {"turn:wrong.scheme:3478"};
  CHECK_THAT(webchat::checkIceOptions(options), Catch::Contains("--stun: expected stun:HOST"));
  options.stun = {R"(stun:evil","username":"x)"};  // would break out of the JSON string
  CHECK_THAT(webchat::checkIceOptions(options), Catch::Contains("--stun"));
  options.stun = {"stun:ok.example.org"};
  options.turn = {"http://turn.example.org"};
  CHECK_THAT(webchat::checkIceOptions(options), Catch::Contains("--turn: expected turn:HOST"));
}
