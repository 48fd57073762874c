import NIOCore

extension CAresResolver {
    /// How the resolver asks. The `policy/endpoint` setting `dns_servers` maps to ``servers``.
    package struct Configuration: Sendable, Hashable {
        /// DNS servers as `address[:port]` (IPv6 as `[address]:port`), asked instead of the
        /// system's; numeric addresses only, since they are what resolves names. Empty = the
        /// system's (`/etc/resolv.conf`). Default: empty.
        package var servers: [String]
        /// How long one try waits for an answer before c-ares retries (it doubles per round).
        /// Default: 2 seconds.
        package var timeout: TimeAmount
        /// Tries per server before a query ends as `timeout`. Default: 2.
        package var tries: Int
        /// Queries waiting or in flight at once; more fail at once with `tooManyQueries`, so a
        /// flood of lookups cannot grow memory without bound. Default: 1024.
        package var maximumPendingQueries: Int
        /// Local IP address the DNS queries are sent from (`local_address`: it binds every socket the
        /// phone opens); nil or a wildcard (`0.0.0.0`, `::`) lets the system choose. Default: nil.
        package var localAddress: String?

        package init(
            servers: [String] = [],
            timeout: TimeAmount = .seconds(2),
            tries: Int = 2,
            maximumPendingQueries: Int = 1024,
            localAddress: String? = nil
        ) {
            self.servers = servers
            self.timeout = timeout
            self.tries = tries
            self.maximumPendingQueries = maximumPendingQueries
            self.localAddress = localAddress
        }

        /// From the `dns_servers` setting: `host[:port]` items separated by commas; blank = system.
        package init(dnsServersSetting: String) {
            self.init(
                servers: dnsServersSetting.split(separator: ",").map {
                    String($0.trimmingWhitespace())
                }.filter { !$0.isEmpty })
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
