// The one mailbox interface the HTTP layer drives: in memory (MemoryMailbox, the default) or shared
// by several server instances through Redis (RedisMailbox, server/redis/). The HTTP layer does not
// know which one it has.
//
// The rules are those of docs/server.md, whatever the backend: sets and gets on one ID queue in
// arrival order, a get takes the oldest text, every text is delivered exactly once, a withdrawn
// request takes nothing and gives nothing, a timeout of 0 never parks.
//
// Completion is asynchronous: `done` runs exactly once (unless the request is withdrawn first), in
// the call itself or later, from the event loop (a shared backend hears from Redis later). It runs
// after the backend's state is final, so it may call back into the backend.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "mailbox.hpp"

namespace webchat {

class MailboxBackend {
 public:
  using Ticket = std::uint64_t;  // names one request; never 0, never reused
  enum class Outcome {
    delivered,  // get: `payload` is the text; set: a get took the text
    timedOut,   // its timeoutms passed with no partner (HTTP 204); a set's text is dropped
    failed,     // the backend could not serve it; `payload` is a one-line reason (HTTP 503)
  };
  using OnDone = std::function<void(Outcome outcome, std::string payload)>;
  using Stats = Mailbox::Stats;  // levels of this instance's requests and running totals

  virtual ~MailboxBackend() = default;

  virtual Ticket get(std::string_view id, Millis now, Millis timeout, OnDone done) = 0;
  virtual Ticket set(std::string_view id, std::string text, Millis now, Millis timeout,
                     OnDone done) = 0;
  // The client went away: `done` is never called; a set's text is never delivered.
  virtual void withdraw(Ticket ticket) = 0;
  // Whether `ticket` names a request that has not completed yet.
  virtual bool isParked(Ticket ticket) const = 0;

  // Whether a get (a set) for `id` is known to wait here now, i.e. whether a set (a get) would
  // complete at once. A shared backend cannot tell without asking Redis and answers false, so
  // admission treats every request as one that may park.
  virtual bool hasParkedGet(std::string_view id) const = 0;
  virtual bool hasParkedSet(std::string_view id) const = 0;

  // Deadlines are kept on the caller's clock: expire(now) times out what is due; nextDeadline()
  // tells when to call it next; drainAll() ends every request as timed out (shutdown).
  virtual void expire(Millis now) = 0;
  virtual std::optional<Millis> nextDeadline() const = 0;
  virtual void drainAll() = 0;

  virtual const Stats& stats() const = 0;

  // Empty while the backend can serve; else one line saying why not (GET /healthz answers 503).
  virtual std::string unavailableReason() const { return {}; }
  // The backend's name for /metrics ("memory", "redis") and its own metrics, in Prometheus text.
  virtual const char* name() const = 0;
  virtual void renderMetrics(std::ostream& /*out*/) const {}
  // Shutdown, after drainAll(): lets go of connections and timers so the event loop can end.
  virtual void close() {}
};

}  // namespace webchat
