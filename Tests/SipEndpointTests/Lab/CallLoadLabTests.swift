import CallLoad
import SIPTestSupport
import SipEndpoint
import Testing

/// CallBench's lab mode, small: the same call loop (`SiteCallLoad`) places calls at a steady rate
/// through Kamailio site A to the SIPp UAS behind 9000, once from 127.0.0.6 (an address the site
/// trusts: no challenge) and once from 127.0.0.5 as 7001 (every INVITE challenged with 407, answered
/// with the password), the calls' tasks on the phone's loop (the run's default) and once, from the
/// trusted address, on Swift's pool. Each run must complete every call, at the rate asked for within 10 %.
///
/// 20 calls a second for 2 s is far below what the phone, Kamailio and SIPp do together (about
/// 1,600/s), so a shortfall is a lost or stuck call, not a slow machine.
@Suite(
    "Calls at a steady rate through a real Kamailio site (CallBench's lab mode)",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioSites,
    .timeLimit(.minutes(2))
)
struct CallLoadLabTests {
    static let rate = 20
    static let seconds = 2

    @Test("From the trusted address: 40 calls at 20/s, none failed, calls-per-second within 10 %")
    func trustedCaller() async throws {
        let result = try await Self.run(
            SiteCallLoad(
                target: ServerAddress(host: KamailioSiteDescriptor.a.host, port: KamailioSiteDescriptor.a.port),
                destination: SIPpUAS.TestNumber.answer.number, localAddress: "127.0.0.6", rate: Self.rate,
                seconds: Self.seconds))
        Self.check(result)
    }

    /// The same calls with their tasks on Swift's global pool (`--on-pool`) instead of the phone's
    /// loop, the run's default: the hops between the pool and the loop lose nothing either.
    @Test("From the trusted address, the calls' tasks on Swift's pool: 40 calls at 20/s, none failed")
    func trustedCallerOnThePool() async throws {
        let load = SiteCallLoad(
            target: ServerAddress(host: KamailioSiteDescriptor.a.host, port: KamailioSiteDescriptor.a.port),
            destination: SIPpUAS.TestNumber.answer.number, localAddress: "127.0.0.6", rate: Self.rate,
            seconds: Self.seconds, onPhoneLoop: false)
        Self.check(try await Self.run(load))
    }

    @Test("As 7001 from 127.0.0.5: every INVITE's 407 answered; 40 calls, none failed, within 10 % of 20/s")
    func challengedCaller() async throws {
        let result = try await Self.run(
            SiteCallLoad(
                target: ServerAddress(host: KamailioSiteDescriptor.a.host, port: KamailioSiteDescriptor.a.port),
                destination: SIPpUAS.TestNumber.answer.number, localAddress: "127.0.0.5", rate: Self.rate,
                seconds: Self.seconds, user: "7001", password: "pass7001"))
        Self.check(result)
    }

    /// A caller the site challenges, without a password: every call ends with the 407 (the loop
    /// really counts failures, and the trusted run's success is the trust, not a site that lets all in).
    @Test("As 7001 from 127.0.0.5 without a password: every call fails on the site's 407")
    func challengedWithoutPassword() async throws {
        let result = try await Self.run(
            SiteCallLoad(
                target: ServerAddress(host: KamailioSiteDescriptor.a.host, port: KamailioSiteDescriptor.a.port),
                destination: SIPpUAS.TestNumber.answer.number, localAddress: "127.0.0.5", rate: 10, seconds: 1,
                user: "7001"))
        #expect(result.completed == 0 && result.failed == 10, "\(result.failures)")
        #expect(result.failures.keys.allSatisfy { $0.contains("407") }, "\(result.failures)")
    }

    /// Runs `load` with the SIPp UAS of 9000 up (started here, stopped whatever happens).
    static func run(_ load: SiteCallLoad) async throws -> SiteCallResult {
        let uas = try await SIPpUAS.start(.answer)
        do {
            let result = try await load.run()
            await uas.stop()
            print(
                "lab-measure callload from=\(load.localAddress) completed=\(result.completed) failed=\(result.failed) "
                    + "calls-per-second=\(result.callsPerSecond)")
            return result
        } catch {
            await uas.stop()
            throw error
        }
    }

    static func check(_ result: SiteCallResult) {
        #expect(result.started == rate * seconds)
        #expect(result.failed == 0, "\(result.failures)")
        #expect(
            abs(result.callsPerSecond - Double(rate)) <= Double(rate) / 10,
            "calls-per-second \(result.callsPerSecond), asked \(rate)")
    }
}
