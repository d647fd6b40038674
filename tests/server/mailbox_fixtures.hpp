// The backends the shared mailbox suite runs against. Each fixture owns one backend and says how to
// let it finish what it has started (`settle`: nothing to do in memory; a shared backend waits for
// its Redis replies), and whether it holds anything at all (idle IDs must cost nothing).
#pragma once

#include <memory>

#include "memory_mailbox.hpp"

namespace webchat::test {

struct MemoryFixture {
  static constexpr const char* kName = "memory";
  static constexpr int kRandomSteps = 20'000;
  MemoryMailbox mailbox;
  MailboxBackend& box() { return mailbox; }
  void settle() {}
  bool holdsNothing() const {
    return mailbox.core().activeIds() == 0 && mailbox.core().parkedCount() == 0;
  }
};

}  // namespace webchat::test
