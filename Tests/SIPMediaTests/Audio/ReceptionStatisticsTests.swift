import NIOCore
import Testing

@testable import SIPMedia

@Suite("Reception statistics and MOS")
struct ReceptionStatisticsTests {
    static func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(5_000_000_000 + ms * 1_000_000)) }

    @Test func noLossAndSteadyArrivalsMeanNoJitter() {
        var stats = ReceptionStatistics()
        for n in 0..<100 {
            stats.record(sequenceNumber: UInt16(n), timestamp: UInt32(n * 160), arrival: Self.at(Int64(n) * 20))
        }
        #expect(stats.expected == 100 && stats.received == 100 && stats.cumulativeLost == 0)
        #expect(stats.jitter == 0)
        #expect(
            stats.makeReportBlock()
                == ReceptionReport(fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 99, jitter: 0))
    }

    @Test func lossAcrossTheWrapAndTheIntervalFraction() {
        var stats = ReceptionStatistics()
        // 65530 … 65535, 0 … 13 = 20 expected; every fifth one lost: 4 lost, fraction 4/20 × 256 = 51.
        for n in 0..<20 where n % 5 != 2 {
            stats.record(
                sequenceNumber: UInt16(truncatingIfNeeded: 65530 + n), timestamp: UInt32(n * 160),
                arrival: Self.at(Int64(n) * 20))
        }
        #expect(stats.expected == 20 && stats.cumulativeLost == 4)
        let report = stats.makeReportBlock()
        #expect(report.fractionLost == 51 && report.cumulativeLost == 4)
        #expect(report.extendedHighestSequence == 65536 + 13)
        // The next interval loses nothing.
        for n in 20..<30 {
            stats.record(
                sequenceNumber: UInt16(truncatingIfNeeded: 65530 + n), timestamp: UInt32(n * 160),
                arrival: Self.at(Int64(n) * 20))
        }
        #expect(stats.makeReportBlock().fractionLost == 0)
        #expect(abs(stats.lossRatio - 4.0 / 30) < 1e-9)
    }

    @Test func jitterFollowsRFC3550AppendixA8() {
        var stats = ReceptionStatistics()
        // Arrivals alternate 0 and +5 ms late: |D| = 40 timestamp units each time after the first.
        var expectedJ = 0.0
        for n in 0..<50 {
            let late: Int64 = n % 2 == 1 ? 5 : 0
            stats.record(sequenceNumber: UInt16(n), timestamp: UInt32(n * 160), arrival: Self.at(Int64(n) * 20 + late))
            if n > 0 { expectedJ += (40 - expectedJ) / 16 }
        }
        #expect(stats.jitter == UInt32(expectedJ.rounded(.down)))
        #expect(abs(stats.jitterMilliseconds - expectedJ / 8) < 1e-9)
        #expect(stats.jitter > 30 && stats.jitter < 40)
    }

    @Test func zeroLossScoresAboutFourPointThreeToFourPointFour() {
        let model = EModel()
        for delay in [20.0, 50, 100, 150] {
            let mos = model.meanOpinionScore(lossRatio: 0, oneWayDelayMilliseconds: delay)
            #expect(mos >= 4.3 && mos <= 4.41, "delay \(delay) ms: MOS \(mos)")
        }
    }

    @Test func fivePercentLossScoresLowerAndConcealmentHelps() {
        let clean = EModel().meanOpinionScore(lossRatio: 0, oneWayDelayMilliseconds: 50)
        let lossy = EModel().meanOpinionScore(lossRatio: 0.05, oneWayDelayMilliseconds: 50)
        let concealed = EModel(codec: .g711WithConcealment).meanOpinionScore(
            lossRatio: 0.05, oneWayDelayMilliseconds: 50)
        #expect(lossy < clean - 1)
        #expect(concealed > lossy && concealed < clean)
        #expect(EModel().meanOpinionScore(lossRatio: 0, oneWayDelayMilliseconds: 400) < clean)
        #expect(EModel.meanOpinionScore(rating: 0) == 1 && EModel.meanOpinionScore(rating: 100) == 4.5)
    }

    /// Scripts/fuzz-media: a call losing nearly every packet scored 0.99995, under the scale's floor of 1,
    /// because G.107 Annex B's cubic dips below 1 for small R.
    @Test func mosStaysOnItsScaleWhereAnnexBsCubicDipsBelowOne() {
        for tenth in 0...1000 {
            let r = Double(tenth) / 10
            let mos = EModel.meanOpinionScore(rating: r)
            #expect((1...4.5).contains(mos), "R \(r): MOS \(mos)")
        }
        #expect(
            EModel().meanOpinionScore(lossRatio: 1, oneWayDelayMilliseconds: 40) == 1, "total loss is as bad as it gets"
        )
    }
}
