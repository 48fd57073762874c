import ArgumentParser

/// The functional-test CLI of SipEndpoint. Exit codes: 0 success, 1 a step or check
/// failed, 2 bad usage or configuration.
@main
struct QuickStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "QuickStart",
        abstract: "Functional tests and tools for the SipEndpoint SDK.",
        subcommands: [
            Demo.self, Register.self, Run.self, Dial.self, Drill.self, Validate.self, Inspect.self, Ladder.self,
        ]
    )
}
