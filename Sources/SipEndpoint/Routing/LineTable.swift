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
    /// The same, per DN (`host|user`, `host:port|user`): a site's request for a DN finds its connection
    /// without looking at the thousands of other agents' connections on that site.
    private var bySiteHostUser: [String: Set<Int>] = [:]
    private var bySiteAddressUser: [String: Set<Int>] = [:]

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
        for host in entry.siteHosts {
            bySiteHost[host, default: []].insert(id)
            bySiteHostUser["\(host)|\(entry.user)", default: []].insert(id)
        }
        for address in entry.siteAddresses {
            bySiteAddress[address, default: []].insert(id)
            bySiteAddressUser["\(address)|\(entry.user)", default: []].insert(id)
        }
    }

    private mutating func unindexSite(_ entry: Entry) {
        func remove(_ id: Int, _ key: String, from index: inout [String: Set<Int>]) {
            index[key]?.remove(id)
            if index[key]?.isEmpty == true { index[key] = nil }
        }
        for host in entry.siteHosts {
            remove(entry.id, host, from: &bySiteHost)
            remove(entry.id, "\(host)|\(entry.user)", from: &bySiteHostUser)
        }
        for address in entry.siteAddresses {
            remove(entry.id, address, from: &bySiteAddress)
            remove(entry.id, "\(address)|\(entry.user)", from: &bySiteAddressUser)
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

    /// The connections of DN `user` whose site is at `host`, those whose site is exactly `host:port`
    /// first (two sites may share an address), in id order: a line has one or two per site.
    func connections(atSite host: String, port: Int?, user: String) -> [Int] {
        let exact = port.flatMap { bySiteAddressUser["\(host):\($0)|\(user)"] } ?? []
        let byHost = bySiteHostUser["\(host)|\(user)"] ?? []
        return exact.sorted() + byHost.subtracting(exact).sorted()
    }

    /// One connection of the site at `host` (the lowest id, exactly `host:port` preferred), for a
    /// site's request that names no user (an OPTIONS probe of `sip:host`).
    func anyConnection(atSite host: String, port: Int?) -> Int? {
        (port.flatMap { bySiteAddress["\(host):\($0)"] } ?? bySiteHost[host])?.min()
    }
}
