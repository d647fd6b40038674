// The wire formats: what is encoded decodes to the same value; anything else is rejected with a reason.
#include <catch2/catch.hpp>

#include <cstdio>

#include "entries.hpp"
#include "protocol.hpp"
#include "text.hpp"

using namespace webchat;

TEST_CASE("every peer message survives encoding and decoding") {
  Entry chat;
  chat.seq = 7;
  chat.mid = "0123456789abcdef-3";
  chat.from = "0123456789abcdef";
  chat.nick = "zoë";
  chat.key = "k";
  chat.text = "line one\nline two <b>not bold</b>";
  chat.reply = "fedcba9876543210-1";
  chat.time = 1700000000000;
  chat.chain = "00112233445566ff";
  chat.sig = "s";
  Entry file = chat;
  file.kind = EntryKind::File;
  file.reply.clear();
  file.file = FileInfo{"a.png", 1234, "image/png", std::string(64, 'a')};
  Entry edit = chat;
  edit.kind = EntryKind::Edit;
  edit.reply.clear();
  edit.target = "0123456789abcdef-2";
  HostRank rank{2, 1700000000000, "0123456789abcdef"};
  std::vector<Member> members{{"0123456789abcdef", "zoë", true, "k1"}, {"fedcba9876543210", "bob", false, "k2"}};
  Hello hello{"0123456789abcdef", "zoë", 7, "00112233445566ff", "key", "sha-256 AB:CD", "sig"};
  std::vector<PeerMessage> messages{hello,
                                    Upload{7, "00112233445566ff"},
                                    Carry{chat},
                                    Carried{},
                                    Welcome{members, rank, true, hello},
                                    Refuse{"nick-taken"},
                                    Say{chat},
                                    Posted{chat},
                                    Posted{file},
                                    Posted{edit},
                                    MemberList{members},
                                    Moved{rank},
                                    Close{},
                                    Bye{true},
                                    Ping{},
                                    Typing{"0123456789abcdef"},
                                    Typing{},
                                    Rename{"zoe", "0123456789abcdef", "key", "sha-256 AB:CD", "sig"},
                                    Denied{"say", "not-author", "0123456789abcdef-3"},
                                    Throttled{"0123456789abcdef-4"},
                                    Relay{"0123456789abcdef", {}, "data"},
                                    Relay{{}, "0123456789abcdef", "data"}};
  for (const auto& message : messages) {
    auto decoded = decodeMessage(encodeMessage(message));
    INFO(encodeMessage(message));
    REQUIRE(decoded.value);
    CHECK(decoded.value->index() == message.index());
  }
  for (const auto& entry : {chat, file, edit}) {
    auto posted = decodeMessage(encodeMessage(Posted{entry}));
    CHECK(std::get<Posted>(*posted.value).entry == entry);
  }
  // A say carries what the author writes and signs: the host fills in seq and chain.
  auto say = std::get<Say>(*decodeMessage(encodeMessage(Say{chat})).value).entry;
  CHECK(say.seq == 0);
  CHECK(say.from == chat.from);
  CHECK(say.key == chat.key);
  CHECK(say.chain.empty());
  CHECK(say.mid == chat.mid);
  CHECK(say.reply == chat.reply);
  CHECK(say.sig == chat.sig);
  auto welcome = decodeMessage(encodeMessage(Welcome{members, rank, true, hello}));
  CHECK(std::get<Welcome>(*welcome.value).members == members);
  CHECK(std::get<Welcome>(*welcome.value).rank.since == rank.since);
  CHECK(std::get<Welcome>(*welcome.value).reset);
  CHECK(std::get<Welcome>(*welcome.value).host.fp == "sha-256 AB:CD");
  CHECK(std::get<Bye>(*decodeMessage(encodeMessage(Bye{true})).value).back);
  CHECK_FALSE(std::get<Bye>(*decodeMessage(R"({"v":2,"type":"bye"})").value).back);
}

TEST_CASE("a rank's count of its host's moves survives encoding and decoding") {
  OfferText offer{"lobby", HostRank{3, 123456, "0123456789abcdef", 2}, "00112233aabbccdd", "v=0\r\n..."};
  auto o = decodeOffer(encodeOffer(offer));
  REQUIRE(o.value);
  CHECK(o.value->rank.moves == 2);
  auto welcome = decodeMessage(encodeMessage(Welcome{{}, offer.rank, false, Hello{"0123456789abcdef", "alice", 7, "00112233445566ff", "key", "sha-256 AB:CD", "sig"}}));
  REQUIRE(welcome.value);
  CHECK(std::get<Welcome>(*welcome.value).rank.moves == 2);
}

TEST_CASE("offers and answers survive encoding and decoding") {
  OfferText offer{"lobby", HostRank{3, 123456, "0123456789abcdef"}, "00112233aabbccdd", "v=0\r\n..."};
  auto o = decodeOffer(encodeOffer(offer));
  REQUIRE(o.value);
  CHECK(o.value->room == offer.room);
  CHECK(o.value->rank.host == offer.rank.host);
  CHECK(o.value->rank.epoch == 3);
  CHECK(o.value->rank.since == 123456);
  CHECK(o.value->rank.moves == 0);
  CHECK(encodeOffer(offer).find("moves") == std::string::npos);  // as peers before it wrote it
  CHECK(o.value->offer == offer.offer);
  CHECK(o.value->sdp == offer.sdp);
  AnswerText answer{"00112233aabbccdd", "fedcba9876543210", "v=0\r\n..."};
  auto a = decodeAnswer(encodeAnswer(answer));
  REQUIRE(a.value);
  CHECK(a.value->offer == answer.offer);
  CHECK(a.value->peer == answer.peer);
  CHECK(decodeOffer(encodeAnswer(answer)).error == "expected an offer, got 'answer'");
  CHECK_FALSE(a.value->hello);  // an answer may come without the joiner's hello (older clients)

  answer.hello = Hello{answer.peer, "bob", 7, "0123456789abcdef", "key", "fp", "sig"};
  auto withHello = decodeAnswer(encodeAnswer(answer));
  REQUIRE(withHello.value);
  REQUIRE(withHello.value->hello);
  CHECK(withHello.value->hello->peer == answer.peer);
  CHECK(withHello.value->hello->nick == "bob");
  CHECK(withHello.value->hello->lastSeq == 7);
  CHECK(withHello.value->hello->lastChain == "0123456789abcdef");
  CHECK(withHello.value->hello->key == "key");
  CHECK(withHello.value->hello->fp == "fp");
  CHECK(withHello.value->hello->sig == "sig");
  auto broken = decodeAnswer(R"({"v":2,"type":"answer","offer":"00112233aabbccdd","peer":"fedcba9876543210",)"
                             R"("sdp":"v=0","nick":"bob","lastSeq":-1,"lastChain":""})");
  CHECK(broken.error == "field 'lastSeq' missing or not a whole number");

  CHECK_FALSE(withHello.value->trickle);  // absent: the sdp holds every candidate
  answer.trickle = true;
  auto trickled = decodeAnswer(encodeAnswer(answer));
  REQUIRE(trickled.value);
  CHECK(trickled.value->trickle);
  CHECK(decodeAnswer(R"({"v":2,"type":"answer","offer":"00112233aabbccdd","peer":"fedcba9876543210",)"
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

  const std::string head = R"({"v":2,"type":"candidates","offer":"00112233aabbccdd","peer":"fedcba9876543210",)";
  CHECK(decodeCandidates(head + R"("candidates":"candidate:1"})").error == "field 'candidates' missing or not an array");
  CHECK(decodeCandidates(head + R"("candidates":[null]})").error == "field 'candidates' holds a non-string or one too long");
  CHECK(decodeCandidates(head + R"("candidates":[")" + std::string(kMaxCandidateBytes + 1, 'c') + R"("]})").error ==
        "field 'candidates' holds a non-string or one too long");
  std::string tooMany = head + R"("candidates":[)";
  for (std::size_t i = 0; i <= kMaxCandidates; ++i) tooMany += std::string(i ? "," : "") + R"("candidate:x")";
  CHECK(decodeCandidates(tooMany + "]}").error == "field 'candidates' too many items");
  CHECK(decodeCandidates(R"({"v":2,"type":"candidates","offer":"00112233aabbccdd","candidates":[]})").error ==
        "field 'peer' missing or not a string");
}

TEST_CASE("malformed messages are rejected with a specific reason") {
  CHECK(decodeMessage("{").error == "not a JSON object");
  CHECK(decodeMessage("42").error == "not a JSON object");
  CHECK(decodeMessage(R"({"type":"say"})").error == "field 'v' missing or not a whole number");
  CHECK(decodeMessage(R"({"v":9,"type":"say"})").error == "unsupported protocol version 9");
  CHECK(decodeMessage(R"({"v":1,"type":"say"})").error == "unsupported protocol version 1");  // a v1 peer
  CHECK(decodeMessage(R"({"v":2,"type":"shout"})").error == "unknown message type 'shout'");
  CHECK(decodeMessage(R"({"v":2,"type":"say","entry":{"mid":"ab-1","from":"ab","nick":"a","key":"","kind":"text","text":1}})").error ==
        "field 'entry' → field 'text' missing or not a string");
  CHECK(decodeMessage(R"({"v":2,"type":"hello","peer":"NOT AN ID","nick":"x"})").error == "field 'peer' not an id");
  const std::string entry = R"("mid":"ab-1","from":"ab","nick":"a","key":"","text":"b","time":1,"sig":"")";
  CHECK(decodeMessage(R"({"v":2,"type":"posted","entry":{"seq":0,"chain":"0000000000000000",)" + entry + R"(,"kind":"text"}})")
            .error == "field 'entry' → field 'seq' must be at least 1");
  CHECK(decodeMessage(R"({"v":2,"type":"posted","entry":{"seq":1,"chain":"00",)" + entry + R"(,"kind":"text"}})")
            .error == "field 'entry' → field 'chain' not 16 lowercase hex digits");
  CHECK(decodeMessage(R"({"v":2,"type":"posted","entry":{"seq":1,"chain":"0000000000000000",)" + entry + R"(,"kind":"shout"}})")
            .error == "field 'entry' → field 'kind' unknown");
  CHECK(decodeMessage(R"({"v":2,"type":"posted","entry":{"seq":1,"chain":"0000000000000000",)" + entry + R"(,"kind":"file"}})")
            .error == "field 'entry' → field 'file' present exactly when kind is file");
  // A file's size is a whole number of bytes, exact in a JS number: anything else is malformed.
  const std::string fileSay = R"({"v":2,"type":"say","entry":{"mid":"ab-1","from":"0123456789abcdef","nick":"a","key":"k","kind":"file","text":"","time":1,"sig":"",)"
                              R"("file":{"name":"a","type":"","hash":")" + std::string(64, 'a') + R"(","size":)";
  for (const char* size : {"-1", "1.5", "1e3", "\"12\"", "null"}) {
    CHECK(decodeMessage(fileSay + size + "}}}").error == "field 'entry' → field 'file' → field 'size' missing or not a whole number");
  }
  CHECK(decodeMessage(fileSay + "9007199254740993}}}").error == "field 'entry' → field 'file' → field 'size' larger than 2^53");
  CHECK(decodeMessage(fileSay + "9007199254740992}}}").error.empty());
  CHECK(decodeMessage(R"({"v":2,"type":"posted","entry":{"seq":-1}})").error ==
        "field 'entry' → field 'seq' missing or not a whole number");
  CHECK(decodeMessage(R"({"v":2,"type":"say","entry":{"mid":"someone else"}})").error ==
        "field 'entry' → field 'mid' not a message id");
  CHECK(decodeMessage(R"({"v":2,"type":"moved","rank":{"epoch":1,"since":2}})").error ==
        "field 'rank' → field 'host' missing or not a string");
  CHECK(decodeMessage(R"({"v":2,"type":"moved","rank":{"epoch":1,"since":2,"host":"ab","moves":-1}})").error ==
        "field 'rank' → field 'moves' negative");
  CHECK(decodeMessage(R"({"v":2,"type":"moved","rank":{"epoch":1,"since":2,"host":"ab","moves":"1"}})").error ==
        "field 'rank' → field 'moves' missing or not a whole number");
  CHECK(decodeMessage(R"({"v":2,"type":"relay","data":"x"})").error == "relay needs exactly one of 'to' and 'from'");
  CHECK(decodeMessage(R"({"v":2,"type":"relay","to":"ab","data":")" + std::string(60001, 'x') + R"("})").error ==
        "field 'data' too long");
  CHECK(decodeMessage(std::string(kMaxPeerMessageBytes + 1, ' ')).error == "message larger than 65536 bytes");
  std::string invalidUtf8 = "{\"v\":2,\"type\":\"rename\",\"nick\":\"\xff\",\"sig\":\"\"}";
  CHECK_FALSE(decodeMessage(invalidUtf8).value);
}

TEST_CASE("encoding never throws, even on invalid UTF-8 from a local caller") {
  Entry bad;
  bad.text = "\xff\xfe";
  CHECK_NOTHROW(encodeMessage(Say{bad}));
  CHECK_NOTHROW(entryBytes("\xff", bad));
}

TEST_CASE("host ranks: higher epoch, then earlier start, then lower id") {
  CHECK(outranks(HostRank{2, 900, "b"}, HostRank{1, 100, "a"}));
  CHECK(outranks(HostRank{1, 100, "b"}, HostRank{1, 200, "a"}));
  CHECK(outranks(HostRank{1, 100, "a"}, HostRank{1, 100, "b"}));
  CHECK_FALSE(outranks(HostRank{1, 100, "a"}, HostRank{1, 100, "a"}));
}

TEST_CASE("signaling IDs use the mailbox's alphabet and bind an answer to its offer") {
  CHECK(offerSignalId("lobby") == "wc2.lobby.offer");
  CHECK(answerSignalId("lobby", "00112233aabbccdd") == "wc2.lobby.answer.00112233aabbccdd");
  CHECK(offerSignalId(std::string(kMaxRoomNameBytes, 'r')).size() <= 128);
  CHECK(answerSignalId(std::string(kMaxRoomNameBytes, 'r'), std::string(32, 'f')).size() <= 128);
  CHECK(candidatesSignalId("lobby", "00112233aabbccdd") == "wc2.lobby.candidates.00112233aabbccdd");
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

TEST_CASE("the chain is FNV-1a-64 over the previous chain, seq and mid, so any difference shows") {
  // Reproducible by a third-party peer: the first entry's chain over 8 zero bytes, seq 1, "ab-1".
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  std::string bytes(8, '\0');
  bytes += std::string("\0\0\0\0\0\0\0\1", 8) + "ab-1";
  for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ULL;
  char expected[17];
  std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(hash));
  CHECK(chainAfter("", 1, "ab-1") == expected);
  // Two histories that swapped two entries agree on the last mid but not on its chain.
  std::string a = chainAfter(chainAfter(chainAfter("", 1, "x-1"), 2, "y-1"), 3, "z-1");
  std::string b = chainAfter(chainAfter(chainAfter("", 1, "y-1"), 2, "x-1"), 3, "z-1");
  CHECK(a != b);
}

TEST_CASE("a history takes only entries whose chain follows, and the rules of authorship hold") {
  History history;
  auto entry = [&](const std::string& mid, EntryKind kind, const std::string& target, const std::string& text) {
    Entry e;
    e.mid = mid;
    e.from = mid.substr(0, mid.find('-'));
    e.kind = kind;
    e.target = target;
    e.text = text;
    e.seq = history.lastSeq() + 1;
    e.chain = history.nextChain(mid);
    return e;
  };
  REQUIRE(history.accept(entry("aa-1", EntryKind::Text, "", "hi")).empty());
  Entry wrongChain = entry("aa-2", EntryKind::Text, "", "x");
  wrongChain.chain = "0000000000000000";
  CHECK(history.accept(wrongChain) == "entry's chain does not follow");
  Entry skipped = entry("aa-2", EntryKind::Text, "", "x");
  skipped.seq = 3;
  CHECK(history.accept(skipped) == "entry out of sequence");
  CHECK(history.accept(entry("aa-1", EntryKind::Text, "", "again")) == "entry already known");

  CHECK(entryRulesProblem(entry("aa-2", EntryKind::Edit, "aa-1", "hello"), history).empty());
  CHECK(entryRulesProblem(entry("bb-1", EntryKind::Edit, "aa-1", "forged"), history) == "acts on another member's entry");
  CHECK(isForgery(entryRulesProblem(entry("bb-1", EntryKind::Delete, "aa-1", ""), history)));
  CHECK(entryRulesProblem(entry("bb-1", EntryKind::React, "aa-1", "👍"), history).empty());
  CHECK(entryRulesProblem(entry("bb-1", EntryKind::React, "aa-9", "👍"), history) == "target is not in the history");
  Entry impostor = entry("aa-2", EntryKind::Text, "", "hi");
  impostor.from = "bb";
  CHECK(isForgery(entryRulesProblem(impostor, history)));
  REQUIRE(history.accept(entry("bb-1", EntryKind::React, "aa-1", "👍")).empty());
  CHECK(entryRulesProblem(entry("aa-2", EntryKind::Edit, "bb-1", "x"), history) == "only a line can be edited or deleted");
  CHECK(entryRulesProblem(entry("cc-1", EntryKind::React, "bb-1", "👍"), history) == "only a line or file takes reactions");

  CHECK(entryFieldsProblem(entry("aa-3", EntryKind::React, "aa-1", std::string(17, 'x')), kDefaultMaxFileBytes) ==
        "a reaction is one emoji of at most 16 bytes");
  CHECK(entryFieldsProblem(entry("aa-3", EntryKind::Delete, "aa-1", "text"), kDefaultMaxFileBytes) == "a delete carries no text");
  CHECK(entryFieldsProblem(entry("aa-3", EntryKind::Edit, "", "x"), kDefaultMaxFileBytes) == "entry names no target");
  CHECK(entryFieldsProblem(entry("aa-3", EntryKind::Text, "aa-1", "x"), kDefaultMaxFileBytes) == "entry names a target");
  CHECK(entryFieldsProblem(entry("aa-3", EntryKind::Edit, "aa-1", std::string(kMaxTextChars + 1, 'x')), kDefaultMaxFileBytes) ==
        "message is longer than 4000 characters");
}

TEST_CASE("canonical bytes are a compact JSON array under a domain tag") {
  Entry e;
  e.mid = "ab-1";
  e.from = "ab";
  e.nick = "zoë";
  e.text = "a \"quote\"";
  e.time = 5;
  CHECK(entryBytes("room", e) == R"(["wc2/entry","room","ab-1","ab","zoë","text","a \"quote\"","","",5,"",0,"",""])");
  Hello h{"ab", "zoë", 3, "", "KEY", "sha-256 AB", ""};
  CHECK(helloBytes("room", h) == R"(["wc2/hello","room","ab","zoë","KEY","sha-256 AB"])");
}
