// A host whose own network changes while a newcomer connects on an offer it described before the
// change (CI, lab.nat: the newcomer took the stale offer the host had just parked again through its new
// mapping, the host took its answer, and the newcomer waited out its whole 8 s connect timeout, in
// 9.1 s after the change against a 10 s bound). The host now parks a retry text under the offer's
// retry ID, and the joiner, reading it while it connects, looks again at once (room_retry.cpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

const OfferText kOffer{"lobby", HostRank{1, 0, "0123456789abcdef"}, "00112233aabbccdd", "v=0 offer", std::nullopt};

// A joiner driven by hand up to its read of the retry ID: its answer to kOffer was taken at 30 ms.
struct JoinerConnecting {
  Room joiner{Room::Config{"lobby", "bob", 7}};
  LinkId link = 0;
  effect::SignalGet listen;

  JoinerConnecting() {
    joiner.join(0);
    joiner.onSignalDone(first<effect::SignalGet>(drain(joiner)).request, 200, encodeOffer(kOffer), 10);
    link = first<effect::OpenLink>(drain(joiner)).link;
    joiner.onLinkDescribed(link, "v=0 answer", 20);
    joiner.onSignalDone(first<effect::SignalSet>(drain(joiner)).request, 200, "ok", 30);  // the host took it
    drain(joiner);
    REQUIRE(joiner.nextDeadline() == 30 + kRetryListenAfterMs);
    joiner.tick(30 + kRetryListenAfterMs);
    listen = first<effect::SignalGet>(drain(joiner));
  }
};

bool closes(const std::vector<Effect>& effects, LinkId link) {
  return std::any_of(effects.begin(), effects.end(), [&](const Effect& e) {
    const auto* close = std::get_if<effect::CloseLink>(&e);
    return close && close->link == link;
  });
}

bool probes(const std::vector<Effect>& effects) {
  return std::any_of(effects.begin(), effects.end(), [](const Effect& e) {
    const auto* get = std::get_if<effect::SignalGet>(&e);
    return get && get->id == offerSignalId("lobby");
  });
}

}  // namespace

TEST_CASE("a lone host that moves while a newcomer connects on its old offer gets it in well within the connect timeout") {
  // Noticed after the host's routine probe parked its old offer again through the new mapping (within
  // 2.5 s of the move), and after the newcomer joining at 2.6 s took it and its answer was taken.
  for (Millis noticedAfter : {2800, 3500, 6000}) {
    INFO("noticed after " << noticedAfter << " ms");
    Simulation sim;
    auto alice = sim.join("lobby", "alice");
    REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
    sim.runFor(5000);
    const Millis movedAt = sim.now();
    sim.move(alice, noticedAfter);
    sim.runFor(2600);
    auto bob = sim.join("lobby", "bob");
    const Millis joinedAt = sim.now();
    REQUIRE(sim.runUntil([&] { return sim.room(bob).state() == RoomState::Guest && oneRoom(sim, {alice, bob}); }, 15000));
    CHECK(sim.observed(bob).linksOpened == 2);  // it did answer the stale offer first
    CHECK(sim.now() - (movedAt + noticedAfter) < 1000);
    CHECK(sim.now() - joinedAt < kConnectTimeoutMs);
    CHECK(hostedThroughout(sim, alice));
    CHECK_FALSE(everHosted(sim, bob));
    CHECK(sim.room(bob).droppedMessages() == 0);
  }
}

TEST_CASE("a host that moves parks a retry for a newcomer still connecting, and none for one whose channel is open") {
  for (bool open : {false, true}) {
    INFO((open ? "channel open" : "channel not open"));
    HostAwaitingAnswer setup;
    setup.answer(false);
    if (open) setup.host.onLinkOpen(setup.link, 45);
    drain(setup.host);
    setup.host.onNetworkChanged(50);
    auto effects = drain(setup.host);
    std::vector<effect::SignalSet> retries;
    for (const auto& e : effects) {
      const auto* set = std::get_if<effect::SignalSet>(&e);
      if (set && set->id == retrySignalId("lobby", setup.offerId)) retries.push_back(*set);
    }
    if (open) {
      CHECK(retries.empty());
      CHECK_FALSE(closes(effects, setup.link));
      continue;
    }
    REQUIRE(retries.size() == 1);
    CHECK(retries[0].timeout == kRetryParkMs);
    auto text = decodeRetry(retries[0].text);
    REQUIRE(text.value);
    CHECK(text.value->offer == setup.offerId);
    CHECK(closes(effects, setup.link));
    // The text outlives the link: closing it withdrew nothing parked for the joiner.
    CHECK(std::none_of(effects.begin(), effects.end(), [&](const Effect& e) {
      const auto* cancel = std::get_if<effect::SignalCancel>(&e);
      return cancel && cancel->request == retries[0].request;
    }));
    CHECK(setup.host.state() == RoomState::Host);
  }
}

TEST_CASE("a joiner reads the retry ID while it connects, and looks again at once on a retry for its offer") {
  JoinerConnecting setup;
  Room& joiner = setup.joiner;
  CHECK(setup.listen.id == retrySignalId("lobby", kOffer.offer));
  CHECK(setup.listen.timeout == kConnectTimeoutMs - kRetryListenAfterMs);  // until its connect deadline
  joiner.onSignalDone(setup.listen.request, 200, encodeRetry(RetryText{kOffer.offer}), 600);
  auto effects = drain(joiner);
  CHECK(closes(effects, setup.link));
  CHECK(probes(effects));
  CHECK(joiner.state() == RoomState::Joining);
  CHECK(joiner.droppedMessages() == 0);
  // Not an attempt that found no path: the next one that does still gets its one more try.
  auto probe = first<effect::SignalGet>(effects);
  OfferText fresh = kOffer;
  fresh.offer = "00112233aabbccee";
  joiner.onSignalDone(probe.request, 200, encodeOffer(fresh), 620);
  LinkId second = first<effect::OpenLink>(drain(joiner)).link;
  joiner.onLinkDescribed(second, "v=0 answer", 630);
  joiner.onSignalDone(first<effect::SignalSet>(drain(joiner)).request, 200, "ok", 640);
  drain(joiner);
  joiner.onLinkClosed(second, 700, LinkEnd::IceFailed);
  CHECK(joiner.state() == RoomState::Joining);
  CHECK(probes(drain(joiner)));
}

TEST_CASE("a joiner whose channel opens stops reading the retry ID, or never starts") {
  SECTION("open after the read began: the read is cancelled") {
    JoinerConnecting setup;
    setup.joiner.onLinkOpen(setup.link, 600);
    auto effects = drain(setup.joiner);
    CHECK(std::any_of(effects.begin(), effects.end(), [&](const Effect& e) {
      const auto* cancel = std::get_if<effect::SignalCancel>(&e);
      return cancel && cancel->request == setup.listen.request;
    }));
  }
  SECTION("open before: no request at all") {
    Room joiner{Room::Config{"lobby", "bob", 7}};
    joiner.join(0);
    joiner.onSignalDone(first<effect::SignalGet>(drain(joiner)).request, 200, encodeOffer(kOffer), 10);
    LinkId link = first<effect::OpenLink>(drain(joiner)).link;
    joiner.onLinkDescribed(link, "v=0 answer", 20);
    joiner.onSignalDone(first<effect::SignalSet>(drain(joiner)).request, 200, "ok", 30);
    joiner.onLinkOpen(link, 80);
    drain(joiner);
    CHECK(joiner.nextDeadline() != 30 + kRetryListenAfterMs);
    joiner.tick(30 + kRetryListenAfterMs);
    auto effects = drain(joiner);
    CHECK(std::none_of(effects.begin(), effects.end(), [](const Effect& e) { return std::holds_alternative<effect::SignalGet>(e); }));
  }
}

TEST_CASE("a malformed, foreign or unreadable retry text is dropped and counted; the attempt goes on") {
  const std::vector<std::pair<std::string, std::string>> hostile{
      {"not json", "not json at all"},
      {"another version", R"({"v":1,"type":"retry","offer":"00112233aabbccdd"})"},
      {"another type", encodeCandidates(CandidatesText{kOffer.offer, "0123456789abcdef", {}})},
      {"no offer", R"({"v":2,"type":"retry"})"},
      {"offer of the wrong type", R"({"v":2,"type":"retry","offer":7})"},
      {"another offer", encodeRetry(RetryText{"ffffffffffffffff"})},
      {"empty", ""},
  };
  for (const auto& [what, text] : hostile) {
    INFO(what);
    JoinerConnecting setup;
    setup.joiner.onSignalDone(setup.listen.request, 200, text, 600);
    auto effects = drain(setup.joiner);
    CHECK(setup.joiner.droppedMessages() == 1);
    CHECK_FALSE(closes(effects, setup.link));
    CHECK_FALSE(probes(effects));
    CHECK(effects.empty());  // nor a second read: rubbish at once must not make it ask again and again
    CHECK(setup.joiner.nextDeadline() == 30 + kConnectTimeoutMs);  // its connect timeout still ends it
  }
  SECTION("a text sealed under another key (private and password rooms)") {
    JoinerConnecting setup;
    setup.joiner.onSignalUnreadable(setup.listen.request, 600);
    auto effects = drain(setup.joiner);
    CHECK(setup.joiner.droppedMessages() == 1);
    CHECK(setup.joiner.lastDropReason() == "unreadable signaling text");
    CHECK(effects.empty());
    CHECK(setup.joiner.state() == RoomState::Joining);
  }
  SECTION("no retry, or a failed read: nothing happens") {
    for (int status : {204, 0, 500}) {
      JoinerConnecting setup;
      setup.joiner.onSignalDone(setup.listen.request, status, "", 600);
      CHECK(drain(setup.joiner).empty());
      CHECK(setup.joiner.droppedMessages() == 0);
      CHECK(setup.joiner.state() == RoomState::Joining);
    }
  }
}
