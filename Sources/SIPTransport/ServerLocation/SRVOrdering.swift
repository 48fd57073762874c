/// RFC 2782 "Usage rules": the order to try the records of one SRV RRset in.
///
/// > A client MUST attempt to contact the target host with the lowest-numbered priority it can
/// > reach; target hosts with the same priority SHOULD be tried in an order defined by the weight
/// > field. [...] To select a target to be contacted next, arrange all SRV RRs (that have not been
/// > ordered yet) in any order, except that all those with weight 0 are placed at the beginning of
/// > the list. Compute the sum of the weights of those RRs, and with each RR associate the running
/// > sum in the selected order. Then choose a uniform random number between 0 and the sum computed
/// > (inclusive), and select the RR whose running sum value is the first in the selected order
/// > which is greater than or equal to the random number selected.
///
/// So a weight-0 record is picked first only when the random number is exactly 0, which gives it
/// "a very small chance of being selected" while others with weight remain, as the RFC intends.
/// Records whose target is "." are dropped (the service is decidedly not available there).
package enum SRVOrdering {
    package static func ordered<Random: RandomNumberGenerator>(
        _ records: [SRVRecord],
        using random: inout Random
    ) -> [SRVRecord] {
        ordered(records, record: { $0 }, using: &random)
    }

    /// The same order for anything that carries an SRV record (one resolved with its addresses, say).
    package static func ordered<Element, Random: RandomNumberGenerator>(
        _ elements: [Element],
        record: (Element) -> SRVRecord,
        using random: inout Random
    ) -> [Element] {
        let usable = elements.filter { !record($0).isServiceDecidedlyUnavailable }
        let priorities = Set(usable.map { record($0).priority }).sorted()
        var result: [Element] = []
        result.reserveCapacity(usable.count)
        for priority in priorities {
            let samePriority = usable.filter { record($0).priority == priority }
            var remaining =
                samePriority.filter { record($0).weight == 0 } + samePriority.filter { record($0).weight != 0 }
            while !remaining.isEmpty {
                let sum = remaining.reduce(UInt64(0)) { $0 + UInt64(record($1).weight) }
                let pick = UInt64.random(in: 0...sum, using: &random)
                var running: UInt64 = 0
                // The last record always qualifies (running sum == sum >= pick), so this finds one.
                var chosen = remaining.count - 1
                for (index, element) in remaining.enumerated() {
                    running += UInt64(record(element).weight)
                    if running >= pick {
                        chosen = index
                        break
                    }
                }
                result.append(remaining.remove(at: chosen))
            }
        }
        return result
    }
}
