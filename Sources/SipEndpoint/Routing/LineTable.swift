/// Every connection of a phone as the inbound rules see it: which agent line (DN) it belongs to, the
/// token of the Contact it registers, and the addresses of its site. A value, kept by the phone on its
/// loop; every lookup the receive path makes is a dictionary access (and a look at the one line's few
/// connections), so a flood costs no scan.
///
/// Memory: an entry holds its site's address list by reference, one list per distinct site
/// (``intern(_:)``): thousands of agents on one site share it. A site's request for a DN looks at
/// that DN's line (one or two connections per site), so no index per DN and site is kept.
struct LineTable: Sendable {
    /// One resolved address of a site (an RFC 3263 target): an IP address and, when known, the port.
    struct SiteAddress: Hashable, Sendable {
        var host: String
        var port: Int?
    }

    struct Entry: Hashable, Sendable {
        var id: Int
        /// The DN: connections with the same DN are one agent's line.
        var user: String
        var token: String
        var isEnabled: Bool
        /// The site's resolved addresses (every RFC 3263 target); shared with the other connections of
        /// the same site.
        var site: [SiteAddress] = []

        /// Whether the site has `host` among its addresses.
        func siteHas(host: String) -> Bool { site.contains { $0.host == host } }
        /// Whether the site has exactly `host:port` among its addresses.
        func siteHas(host: String, port: Int) -> Bool { site.contains { $0.host == host && $0.port == port } }
    }

    private(set) var entries: [Int: Entry] = [:]
    private var byToken: [String: Int] = [:]
    /// A line's connections, in id order.
    private var byUser: [String: [Int]] = [:]
    private var bySiteHost: [String: Set<Int>] = [:]
    /// By `ip:port`.
    private var bySiteAddress: [String: Set<Int>] = [:]
    /// One stored copy of each distinct site address list.
    private var siteLists: [[SiteAddress]: [SiteAddress]] = [:]
    /// More distinct lists than this (sites that keep moving) and the interning starts over: it saves
    /// memory only, the entries keep their lists.
    static let internedSiteListLimit = 1024

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
        entry.site = intern(addresses.map { SiteAddress(host: $0.host, port: $0.port) })
        entries[id] = entry
        for host in Set(entry.site.map(\.host)) { bySiteHost[host, default: []].insert(id) }
        for address in entry.site {
            if let port = address.port { bySiteAddress["\(address.host):\(port)", default: []].insert(id) }
        }
    }

    /// The stored list equal to `list` (stored now when new): equal lists share one buffer.
    private mutating func intern(_ list: [SiteAddress]) -> [SiteAddress] {
        if let known = siteLists[list] { return known }
        if siteLists.count >= Self.internedSiteListLimit { siteLists.removeAll() }
        siteLists[list] = list
        return list
    }

    private mutating func unindexSite(_ entry: Entry) {
        func remove(_ id: Int, _ key: String, from index: inout [String: Set<Int>]) {
            index[key]?.remove(id)
            if index[key]?.isEmpty == true { index[key] = nil }
        }
        for address in entry.site {
            remove(entry.id, address.host, from: &bySiteHost)
            if let port = address.port { remove(entry.id, "\(address.host):\(port)", from: &bySiteAddress) }
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
        let line = byUser[user] ?? []
        let exact = port.map { port in line.filter { entries[$0]?.siteHas(host: host, port: port) == true } } ?? []
        return exact + line.filter { !exact.contains($0) && entries[$0]?.siteHas(host: host) == true }
    }

    /// One connection of the site at `host` (the lowest id, exactly `host:port` preferred), for a
    /// site's request that names no user (an OPTIONS probe of `sip:host`).
    func anyConnection(atSite host: String, port: Int?) -> Int? {
        (port.flatMap { bySiteAddress["\(host):\($0)"] } ?? bySiteHost[host])?.min()
    }
}
