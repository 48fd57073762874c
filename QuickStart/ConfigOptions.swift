import ArgumentParser
import SipEndpoint
import SipEndpointConfig

/// `--config FILE`, shared by every subcommand that needs a configuration.
struct ConfigOptions: ParsableArguments {
    @Option(help: "The SipEndpoint.config file to load.")
    var config = "./SipEndpoint.config"

    /// Loads the file the same way `validate` does; a bad file is reported on standard error and exits 2.
    func load(output: Output) throws -> SipEndpointConfiguration {
        do {
            let loaded = try SipEndpointConfigLoader.load(contentsOf: config)
            for warning in loaded.warnings { output.error("warning: \(warning)") }
            return loaded.configuration
        } catch {
            output.error("\(error)")
            throw ExitCode(2)
        }
    }
}
