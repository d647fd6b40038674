#include "metrics.hpp"

#include <sstream>

namespace webchat {
namespace {

void family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

template <typename Value>
void single(std::ostringstream& out, const char* name, const char* type, const char* help,
            Value value) {
  family(out, name, type, help);
  out << name << ' ' << value << '\n';
}

}  // namespace

std::string renderPrometheus(const ServerMetrics& m, const MailboxBackend& backend,
                             std::size_t bytesArriving) {
  std::ostringstream out;
  const auto& mb = backend.stats();
  family(out, "webchat_mailbox_backend", "gauge", "The mailbox in use (1 for its name).");
  out << "webchat_mailbox_backend{backend=\"" << backend.name() << "\"} 1\n";
  single(out, "webchat_parked_gets", "gauge", "Get requests waiting for a text.", mb.parkedGets);
  single(out, "webchat_parked_sets", "gauge", "Set requests waiting for a taker.", mb.parkedSets);
  single(out, "webchat_parked_bytes", "gauge", "Bytes of text held by parked sets.",
         mb.bytesParked);
  single(out, "webchat_arriving_bytes", "gauge",
         "Bytes reserved for set bodies still being received.", bytesArriving);
  single(out, "webchat_deliveries_total", "counter", "Texts handed from a set to a get.",
         mb.deliveries);
  family(out, "webchat_timeouts_total", "counter",
         "Requests answered 204 because their timeoutms passed.");
  out << "webchat_timeouts_total{kind=\"get\"} " << mb.getTimeouts << '\n';
  out << "webchat_timeouts_total{kind=\"set\"} " << mb.setTimeouts << '\n';
  single(out, "webchat_withdrawals_total", "counter",
         "Parked requests withdrawn because their client disconnected.", mb.withdrawals);

  family(out, "webchat_responses_total", "counter", "HTTP responses sent, by status.");
  for (const auto& [status, count] : m.responsesByStatus) {
    out << "webchat_responses_total{status=\"" << status << "\"} " << count << '\n';
  }
  family(out, "webchat_rejections_total", "counter",
         "Requests refused with a 4xx or 5xx status, by status.");
  for (const auto& [status, count] : m.responsesByStatus) {
    if (status >= 400) {
      out << "webchat_rejections_total{status=\"" << status << "\"} " << count << '\n';
    }
  }
  single(out, "webchat_connections_accepted_total", "counter", "TCP connections accepted.",
         m.connectionsAccepted);
  single(out, "webchat_connections_open", "gauge", "TCP connections open now.",
         m.connectionsOpen);
  family(out, "webchat_connection_timeouts_total", "counter",
         "Connections closed because a client was too slow or idle.");
  out << "webchat_connection_timeouts_total{phase=\"header\"} " << m.headerTimeouts << '\n';
  out << "webchat_connection_timeouts_total{phase=\"body\"} " << m.bodyTimeouts << '\n';
  out << "webchat_connection_timeouts_total{phase=\"idle\"} " << m.idleTimeouts << '\n';
  backend.renderMetrics(out);
  return out.str();
}

}  // namespace webchat
