/// Paces the first REGISTERs at start-up, per site: at most `window` connections of one site are in
/// their first registration at a time, and the next starts when one of them settles.
///
/// Sending every REGISTER of 20,000 connections at once (`RegistrationBench`) made the answers queue
/// behind the requests at the registrar; once that delay passed T1 every request was retransmitted
/// (RFC 3261 §17.1.2.2 Timer E) and the extra load ended in Timer F for all of them — none ready in 60 s.
/// A window per site keeps a registrar that answers busy without flooding it, and the sites stay
/// independent (trouble on one never delays another).
///
/// A site that times out or cannot be reached during start-up is no longer paced: its queued
/// connections start at once, so a dead site reports all its connections `failed` within one
/// transaction timeout, as it would without pacing, instead of `window` at a time.
///
/// A value: events in (``enqueue(_:site:)``, ``settled(_:answered:)``, ``forget(_:)``), the ids to
/// start now out. No I/O and no clock.
struct StartPacer<Site: Hashable> {
    /// First registrations in flight per site. Default: 256.
    let window: Int
    private var queued: [Site: [Int]] = [:]
    /// Next index to start in `queued[site]` (the array is not shifted as ids leave).
    private var head: [Site: Int] = [:]
    private var inFlight: [Site: Int] = [:]
    private var siteOf: [Int: Site] = [:]
    private var unpaced: Set<Site> = []

    /// The window when none is given.
    static var defaultWindow: Int { 256 }

    init(window: Int = Self.defaultWindow) {
        self.window = max(1, window)
    }

    /// How many connections wait for their turn.
    var waiting: Int { queued.reduce(0) { $0 + $1.value.count - (head[$1.key] ?? 0) } }

    /// Queues a connection's first registration; returns the ids that may start now (it, or none).
    mutating func enqueue(_ id: Int, site: Site) -> [Int] {
        queued[site, default: []].append(id)
        return release(site)
    }

    /// The connection's first registration settled: `answered` when the site answered (ready, or a
    /// final response), false after a timeout or a transport error. Returns the ids to start now.
    mutating func settled(_ id: Int, answered: Bool) -> [Int] {
        guard let site = siteOf.removeValue(forKey: id) else { return [] }
        inFlight[site, default: 1] -= 1
        if !answered { unpaced.insert(site) }
        return release(site)
    }

    /// The connection was disabled or removed before it settled: it frees its place.
    mutating func forget(_ id: Int) -> [Int] {
        if siteOf[id] != nil { return settled(id, answered: true) }
        for (site, ids) in queued {
            if let index = ids[(head[site] ?? 0)...].firstIndex(of: id) {
                queued[site]?.remove(at: index)
                break
            }
        }
        return []
    }

    private mutating func release(_ site: Site) -> [Int] {
        guard var ids = queued[site] else { return [] }
        var start = head[site] ?? 0
        var ready: [Int] = []
        while start < ids.count, unpaced.contains(site) || inFlight[site, default: 0] < window {
            let id = ids[start]
            start += 1
            inFlight[site, default: 0] += 1
            siteOf[id] = site
            ready.append(id)
        }
        if start == ids.count {
            queued[site] = nil
            head[site] = nil
        } else if start > 4096, start * 2 > ids.count {
            // Drop the started prefix now and then, so a long queue does not hold every id.
            ids.removeFirst(start)
            queued[site] = ids
            head[site] = 0
        } else {
            head[site] = start
        }
        return ready
    }
}
