#include "mailbox.hpp"

#include <cassert>

namespace webchat {

Mailbox::Ticket Mailbox::get(std::string_view id, Millis now, Millis timeout, OnGetDone done) {
  const Ticket ticket = ++lastTicket_;
  if (const Ticket setTicket = oldest(id, Kind::set)) {
    Parked set = unpark(setTicket);
    ++stats_.deliveries;
    // State is final before either callback runs; the taker hears first, the sender second.
    done(std::move(set.text));
    set.onSet(true);
    return ticket;
  }
  if (timeout <= 0) {
    ++stats_.getTimeouts;
    done(std::nullopt);
    return ticket;
  }
  return park(Kind::get, id, {}, now + timeout, std::move(done), {});
}

Mailbox::Ticket Mailbox::set(std::string_view id, std::string text, Millis now, Millis timeout,
                             OnSetDone done) {
  const Ticket ticket = ++lastTicket_;
  if (const Ticket getTicket = oldest(id, Kind::get)) {
    Parked get = unpark(getTicket);
    ++stats_.deliveries;
    get.onGet(std::move(text));
    done(true);
    return ticket;
  }
  if (timeout <= 0) {
    ++stats_.setTimeouts;
    done(false);
    return ticket;
  }
  return park(Kind::set, id, std::move(text), now + timeout, {}, std::move(done));
}

void Mailbox::withdraw(Ticket ticket) {
  if (parked_.count(ticket) == 0) return;
  unpark(ticket);  // its callbacks are destroyed unseen
  ++stats_.withdrawals;
}

void Mailbox::expire(Millis now) {
  // One at a time and re-reading the index each round: a callback may park, complete or withdraw
  // other requests, so no iterator survives a callback.
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    finishTimedOut(unpark(deadlines_.begin()->second));
  }
}

void Mailbox::drainAll() {
  while (!deadlines_.empty()) finishTimedOut(unpark(deadlines_.begin()->second));
}

std::optional<Millis> Mailbox::nextDeadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

Mailbox::Ticket Mailbox::park(Kind kind, std::string_view id, std::string text, Millis deadline,
                              OnGetDone onGet, OnSetDone onSet) {
  const Ticket ticket = lastTicket_;
  auto line = lines_.find(id);
  if (line == lines_.end()) line = lines_.emplace(std::string(id), Line{kind, 0, 0}).first;
  assert(line->second.kind == kind);

  Parked entry{kind, deadline, std::string(id), std::move(text), std::move(onGet), std::move(onSet),
               line->second.tail, 0};
  if (line->second.tail != 0) parked_.at(line->second.tail).next = ticket;
  else line->second.head = ticket;
  line->second.tail = ticket;

  if (kind == Kind::get) {
    ++stats_.parkedGets;
  } else {
    ++stats_.parkedSets;
    stats_.bytesParked += entry.text.size();
  }
  deadlines_.emplace(deadline, ticket);
  parked_.emplace(ticket, std::move(entry));
  return ticket;
}

Mailbox::Parked Mailbox::unpark(Ticket ticket) {
  auto node = parked_.extract(ticket);
  assert(!node.empty());
  Parked& entry = node.mapped();

  auto line = lines_.find(entry.id);
  if (entry.prev != 0) parked_.at(entry.prev).next = entry.next;
  else line->second.head = entry.next;
  if (entry.next != 0) parked_.at(entry.next).prev = entry.prev;
  else line->second.tail = entry.prev;
  if (line->second.head == 0) lines_.erase(line);  // idle IDs cost nothing

  if (entry.kind == Kind::get) {
    --stats_.parkedGets;
  } else {
    --stats_.parkedSets;
    stats_.bytesParked -= entry.text.size();
  }
  deadlines_.erase({entry.deadline, ticket});
  return std::move(entry);
}

Mailbox::Ticket Mailbox::oldest(std::string_view id, Kind kind) const {
  const auto line = lines_.find(id);
  if (line == lines_.end() || line->second.kind != kind) return 0;
  return line->second.head;
}

void Mailbox::finishTimedOut(Parked&& parked) {
  if (parked.kind == Kind::get) {
    ++stats_.getTimeouts;
    parked.onGet(std::nullopt);
  } else {
    ++stats_.setTimeouts;
    parked.onSet(false);
  }
}

}  // namespace webchat
