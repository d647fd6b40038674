// The load tool's scenarios. Each runs one single-threaded io_context (pin the tool to its own core),
// prints its figures on stdout and returns the process exit status.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace webchat::load {

using Endpoint = boost::asio::ip::tcp::endpoint;

// Closed loop (rate 0) or paced at `rate` exchanges/s: `pairs` couples of connections, one parks a
// get and the other sets a `textBytes` text for it. Prints exchanges/s, requests/s, latency of each
// delivery (set sent -> get answered) and the tool's own CPU use. Sets go to `setServer` (the same
// server, or another instance sharing the mailbox).
int runExchange(const Endpoint& server, const Endpoint& setServer, int pairs, std::size_t textBytes, double seconds,
                double rate);

// Parks `count` gets on distinct IDs (one connection each), waits until the server reports them all
// parked, prints "parked N"; with `hold`, waits for a line on stdin; then serves every get with a set
// (sent to `setServer`) and checks each got its own text. Exit 0 iff all did. IDs: PREFIX0...
int runParkGets(const Endpoint& server, const Endpoint& setServer, int count, bool hold,
                const std::string& idPrefix);

// Sends `count` sets of `textBytes` bytes on random IDs at once, one connection each, and keeps them
// open; prints the statuses of those answered. Runs until killed (parked sets stay parked).
int runFlood(const Endpoint& server, int count, std::size_t textBytes);

// Opens `count` connections that send a request head one header line every `intervalMs`, never
// finishing it; exits 0 once the server has cut all of them, 1 after `giveUpMs`.
int runSlowloris(const Endpoint& server, int count, int intervalMs, int giveUpMs);

// Opens `count` connections that each send `GET path` and never read the answer (their receive
// buffers shrunk to 4 KiB); prints "holding N ..." once all are sent, then runs until killed.
int runHoldStatic(const Endpoint& server, int count, const std::string& path);

// One value from the server's /metrics (-1 when absent); a blocking request on its own connection.
double fetchMetric(const Endpoint& server, const std::string& nameWithLabels);

}  // namespace webchat::load
