/// Every connection of a phone as the inbound rules see it: which agent line (DN) it belongs to, the
/// token of the Contact it registers, and the addresses of its site. A value, kept by the phone on its
/// loop; every lookup the receive path makes is a dictionary access, so a flood costs no scan.
struct LineTable: Sendable {
    struct Entry: Hashable, Sendable {
        var id: Int
        /// The DN: connections with the same DN are one agent's line.
        var user: String
        var token: String
        var isEnabled: Bool
        /// The site's resolved addresses (every RFC 3263 target), as `ip` and `ip:port`.
        var siteHosts: Set<String> = []
        var siteAddresses: Set<String> = []
    }

    private(set) var entries: [Int: Entry] = [:]
    private var byToken: [String: Int] = [:]
    private var byUser: [String: [Int]] = [:]
    private var bySiteHost: [String: Set<Int>] = [:]
    private var bySiteAddress: [String: Set<Int>] = [:]

    mutating func add(id: Int, user: String, token: String, isEnabled: Bool) {
        remove(id: id)
        entries[id] = Entry(id: id, user: user, token: token, isEnabled: isEnabled)
        byToken[token] = id
        byUser[user, default: []].append(id)
        byUser[user]?.sort()
    }

    mutating func remove(id: Int) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if byToken[entry.token] == id { byToken[entry.token] = nil }
        byUser[entry.user]?.removeAll { $0 == id }
        if byUser[entry.user]?.isEmpty == true { byUser[entry.user] = nil }
        unindexSite(entry)
    }

    mutating func setEnabled(_ id: Int, _ isEnabled: Bool) { entries[id]?.isEnabled = isEnabled }

    /// Replaces the site addresses of connection `id` (`host` is an IP address; `port` may be nil).
    mutating func setSite(_ id: Int, addresses: [(host: String, port: Int?)]) {
        guard var entry = entries[id] else { return }
        unindexSite(entry)
        entry.siteHosts = Set(addresses.map(\.host))
        entry.siteAddresses = Set(addresses.compactMap { a in a.port.map { "\(a.host):\($0)" } })
        entries[id] = entry
        for host in entry.siteHosts { bySiteHost[host, default: []].insert(id) }
        for address in entry.siteAddresses { bySiteAddress[address, default: []].insert(id) }
    }

    private mutating func unindexSite(_ entry: Entry) {
        for host in entry.siteHosts {
            bySiteHost[host]?.remove(entry.id)
            if bySiteHost[host]?.isEmpty == true { bySiteHost[host] = nil }
        }
        for address in entry.siteAddresses {
            bySiteAddress[address]?.remove(entry.id)
            if bySiteAddress[address]?.isEmpty == true { bySiteAddress[address] = nil }
        }
    }

    /// The connections of `id`'s agent line (itself included), in id order.
    func line(of id: Int) -> [Int] {
        guard let user = entries[id]?.user else { return [] }
        return byUser[user] ?? []
    }

    /// The connections whose DN is `user`, in id order.
    func connections(ofUser user: String) -> [Int] { byUser[user] ?? [] }

    func connection(forToken token: String) -> Int? { byToken[token] }

    /// Whether `host` (an IP address) is an address of any connection's site.
    func isSiteHost(_ host: String) -> Bool { bySiteHost[host] != nil }

    /// Every site address of every connection (what the transport reserves room for).
    var siteHosts: Set<String> { Set(bySiteHost.keys) }

    /// The connections whose site is at `host`, those whose site is exactly `host:port` first.
    func connections(atSite host: String, port: Int?) -> [Int] {
        let exact = port.flatMap { bySiteAddress["\(host):\($0)"] } ?? []
        let byHost = bySiteHost[host] ?? []
        return exact.sorted() + byHost.subtracting(exact).sorted()
    }
}
