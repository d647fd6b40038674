// The default backend: the in-memory Mailbox of this one process behind the MailboxBackend
// interface. Everything completes inside the calls (get, set, expire, drainAll).
#pragma once

#include "mailbox.hpp"
#include "mailbox_backend.hpp"

namespace webchat {

class MemoryMailbox final : public MailboxBackend {
 public:
  Ticket get(std::string_view id, Millis now, Millis timeout, OnDone done) override;
  Ticket set(std::string_view id, std::string text, Millis now, Millis timeout,
             OnDone done) override;
  void withdraw(Ticket ticket) override { mailbox_.withdraw(ticket); }
  bool isParked(Ticket ticket) const override { return mailbox_.isParked(ticket); }
  bool hasParkedGet(std::string_view id) const override { return mailbox_.hasParkedGet(id); }
  bool hasParkedSet(std::string_view id) const override { return mailbox_.hasParkedSet(id); }
  void expire(Millis now) override { mailbox_.expire(now); }
  std::optional<Millis> nextDeadline() const override { return mailbox_.nextDeadline(); }
  void drainAll() override { mailbox_.drainAll(); }
  const Stats& stats() const override { return mailbox_.stats(); }
  const char* name() const override { return "memory"; }

  const Mailbox& core() const { return mailbox_; }

 private:
  Mailbox mailbox_;
};

}  // namespace webchat
