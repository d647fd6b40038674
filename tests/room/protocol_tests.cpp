// The wire formats: what is encoded decodes to the same value; anything else is rejected with a reason.
#include <catch2/catch.hpp>

#include "protocol.hpp"
#include "text.hpp"

using namespace webchat;

TEST_CASE("every peer message survives encoding and decoding") {
  ChatMessage chat{7, "0123456789abcdef-3", "0123456789abcdef", "zoë", "line one\nline two <b>not bold</b>", 1700000000000};
  HostRank rank{2, 1700000000000, "0123456789abcdef"};
  std::vector<Member> members{{"0123456789abcdef", "zoë", true}, {"fedcba9876543210", "bob", false}};
  std::vector<PeerMessage> messages{Hello{"0123456789abcdef", "zoë", 7, "0123456789abcdef-3"},
                                    Upload{7, "0123456789abcdef-3"},
                                    Carry{chat},
                                    Carried{},
                                    Welcome{members, rank, true},
                                    Refuse{"nick-taken"},
                                    Say{"hi \"there\"", "0123456789abcdef-4"},
                                    Posted{chat},
                                    MemberList{members},
                                    Moved{rank},
                                    Close{},
                                    Bye{},
                                    Ping{}};
  for (const auto& message : messages) {
    auto decoded = decodeMessage(encodeMessage(message));
    INFO(encodeMessage(message));
    REQUIRE(decoded.value);
    CHECK(decoded.value->index() == message.index());
  }
  auto posted = decodeMessage(encodeMessage(Posted{chat}));
  CHECK(std::get<Posted>(*posted.value).message == chat);
  auto welcome = decodeMessage(encodeMessage(Welcome{members, rank, true}));
  CHECK(std::get<Welcome>(*welcome.value).members == members);
  CHECK(std::get<Welcome>(*welcome.value).rank.since == rank.since);
  CHECK(std::get<Welcome>(*welcome.value).reset);
}

TEST_CASE("offers and answers survive encoding and decoding") {
  OfferText offer{"lobby", HostRank{3, 123456, "0123456789abcdef"}, "00112233aabbccdd", "v=0\r\n..."};
  auto o = decodeOffer(encodeOffer(offer));
  REQUIRE(o.value);
  CHECK(o.value->room == offer.room);
  CHECK(o.value->rank.host == offer.rank.host);
  CHECK(o.value->rank.epoch == 3);
  CHECK(o.value->rank.since == 123456);
  CHECK(o.value->offer == offer.offer);
  CHECK(o.value->sdp == offer.sdp);
  AnswerText answer{"00112233aabbccdd", "fedcba9876543210", "v=0\r\n..."};
  auto a = decodeAnswer(encodeAnswer(answer));
  REQUIRE(a.value);
  CHECK(a.value->offer == answer.offer);
  CHECK(a.value->peer == answer.peer);
  CHECK(decodeOffer(encodeAnswer(answer)).error == "expected an offer, got 'answer'");
  CHECK_FALSE(a.value->hello);  // an answer may come without the joiner's hello (older clients)

  answer.hello = Hello{answer.peer, "bob", 7, "fedcba9876543210-3"};
  auto withHello = decodeAnswer(encodeAnswer(answer));
  REQUIRE(withHello.value);
  REQUIRE(withHello.value->hello);
  CHECK(withHello.value->hello->peer == answer.peer);
  CHECK(withHello.value->hello->nick == "bob");
  CHECK(withHello.value->hello->lastSeq == 7);
  CHECK(withHello.value->hello->lastMid == "fedcba9876543210-3");
  auto broken = decodeAnswer(R"({"v":1,"type":"answer","offer":"00112233aabbccdd","peer":"fedcba9876543210",)"
                             R"("sdp":"v=0","nick":"bob","lastSeq":-1,"lastMid":""})");
  CHECK(broken.error == "field 'lastSeq' missing or not a whole number");

  CHECK_FALSE(withHello.value->trickle);  // absent: the sdp holds every candidate
  answer.trickle = true;
  auto trickled = decodeAnswer(encodeAnswer(answer));
  REQUIRE(trickled.value);
  CHECK(trickled.value->trickle);
  CHECK(decodeAnswer(R"({"v":1,"type":"answer","offer":"00112233aabbccdd","peer":"fedcba9876543210",)"
                     R"("sdp":"v=0","trickle":"yes"})").error == "field 'trickle' missing or not a boolean");
}

TEST_CASE("trickled candidates survive encoding and decoding, and are bounded") {
  CandidatesText text{"00112233aabbccdd", "fedcba9876543210",
                      {"candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host", "candidate:2 1 tcp 1518280447 192.0.2.7 9 typ host tcptype active"}};
  auto c = decodeCandidates(encodeCandidates(text));
  REQUIRE(c.value);
  CHECK(c.value->offer == text.offer);
  CHECK(c.value->peer == text.peer);
  CHECK(c.value->candidates == text.candidates);
  CHECK(decodeCandidates(encodeCandidates(CandidatesText{"00112233aabbccdd", "fedcba9876543210", {}})).value);  // none gathered
  CHECK(decodeAnswer(encodeCandidates(text)).error == "expected an answer, got 'candidates'");

  const std::string head = R"({"v":1,"type":"candidates","offer":"00112233aabbccdd","peer":"fedcba9876543210",)";
  CHECK(decodeCandidates(head + R"("candidates":"candidate:1"})").error == "field 'candidates' missing or not an array");
  CHECK(decodeCandidates(head + R"("candidates":[null]})").error == "field 'candidates' holds a non-string or one too long");
  CHECK(decodeCandidates(head + R"("candidates":[")" + std::string(kMaxCandidateBytes + 1, 'c') + R"("]})").error ==
        "field 'candidates' holds a non-string or one too long");
  std::string tooMany = head + R"("candidates":[)";
  for (std::size_t i = 0; i <= kMaxCandidates; ++i) tooMany += std::string(i ? "," : "") + R"("candidate:x")";
  CHECK(decodeCandidates(tooMany + "]}").error == "field 'candidates' too many items");
  CHECK(decodeCandidates(R"({"v":1,"type":"candidates","offer":"00112233aabbccdd","candidates":[]})").error ==
        "field 'peer' missing or not a string");
}

TEST_CASE("malformed messages are rejected with a specific reason") {
  CHECK(decodeMessage("{").error == "not a JSON object");
  CHECK(decodeMessage("42").error == "not a JSON object");
  CHECK(decodeMessage(R"({"type":"say"})").error == "field 'v' missing or not a whole number");
  CHECK(decodeMessage(R"({"v":9,"type":"say"})").error == "unsupported protocol version 9");
  CHECK(decodeMessage(R"({"v":1,"type":"shout"})").error == "unknown message type 'shout'");
  CHECK(decodeMessage(R"({"v":1,"type":"say","text":1})").error == "field 'text' missing or not a string");
  CHECK(decodeMessage(R"({"v":1,"type":"hello","peer":"NOT AN ID","nick":"x"})").error == "field 'peer' not an id");
  CHECK(decodeMessage(R"({"v":1,"type":"posted","message":{"seq":0,"mid":"ab-1","from":"ab","nick":"a","text":"b","time":1}})")
            .error == "field 'message' → field 'seq' must be at least 1");
  CHECK(decodeMessage(R"({"v":1,"type":"posted","message":{"seq":-1}})").error ==
        "field 'message' → field 'seq' missing or not a whole number");
  CHECK(decodeMessage(R"({"v":1,"type":"say","text":"x","mid":"someone else"})").error == "field 'mid' not a message id");
  CHECK(decodeMessage(R"({"v":1,"type":"moved","rank":{"epoch":1,"since":2}})").error ==
        "field 'rank' → field 'host' missing or not a string");
  CHECK(decodeMessage(std::string(kMaxPeerMessageBytes + 1, ' ')).error == "message larger than 65536 bytes");
  std::string invalidUtf8 = "{\"v\":1,\"type\":\"say\",\"text\":\"\xff\"}";
  CHECK_FALSE(decodeMessage(invalidUtf8).value);
}

TEST_CASE("encoding never throws, even on invalid UTF-8 from a local caller") {
  CHECK_NOTHROW(encodeMessage(Say{"\xff\xfe"}));
}

TEST_CASE("host ranks: higher epoch, then earlier start, then lower id") {
  CHECK(outranks(HostRank{2, 900, "b"}, HostRank{1, 100, "a"}));
  CHECK(outranks(HostRank{1, 100, "b"}, HostRank{1, 200, "a"}));
  CHECK(outranks(HostRank{1, 100, "a"}, HostRank{1, 100, "b"}));
  CHECK_FALSE(outranks(HostRank{1, 100, "a"}, HostRank{1, 100, "a"}));
}

TEST_CASE("signaling IDs use the mailbox's alphabet and bind an answer to its offer") {
  CHECK(offerSignalId("lobby") == "wc1.lobby.offer");
  CHECK(answerSignalId("lobby", "00112233aabbccdd") == "wc1.lobby.answer.00112233aabbccdd");
  CHECK(offerSignalId(std::string(kMaxRoomNameBytes, 'r')).size() <= 128);
  CHECK(answerSignalId(std::string(kMaxRoomNameBytes, 'r'), std::string(32, 'f')).size() <= 128);
  CHECK(candidatesSignalId("lobby", "00112233aabbccdd") == "wc1.lobby.candidates.00112233aabbccdd");
  CHECK(candidatesSignalId(std::string(kMaxRoomNameBytes, 'r'), std::string(32, 'f')).size() <= 128);
}

TEST_CASE("text rules count characters, not bytes") {
  CHECK(countCodePoints("zoë") == 3);
  CHECK(nickProblem(std::string(kMaxNickChars, 'x')).empty());
  std::string thirtyTwoAccents;
  for (std::size_t i = 0; i < kMaxNickChars; ++i) thirtyTwoAccents += "é";
  CHECK(nickProblem(thirtyTwoAccents).empty());
  CHECK(nickProblem("tab\there") == "nickname contains a control character");
  CHECK(roomProblem("a/b") == "room name may only use letters, digits and . _ ~ -");
  CHECK(sameNick("Alice", "aLICE"));
  CHECK_FALSE(sameNick("alice", "alicia"));
}
