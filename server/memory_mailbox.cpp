#include "memory_mailbox.hpp"

namespace webchat {

MailboxBackend::Ticket MemoryMailbox::get(std::string_view id, Millis now, Millis timeout,
                                          OnDone done) {
  return mailbox_.get(id, now, timeout,
                      [done = std::move(done)](std::optional<std::string> text) {
                        if (text) done(Outcome::delivered, std::move(*text));
                        else done(Outcome::timedOut, {});
                      });
}

MailboxBackend::Ticket MemoryMailbox::set(std::string_view id, std::string text, Millis now,
                                          Millis timeout, OnDone done) {
  return mailbox_.set(id, std::move(text), now, timeout, [done = std::move(done)](bool taken) {
    done(taken ? Outcome::delivered : Outcome::timedOut, {});
  });
}

}  // namespace webchat
