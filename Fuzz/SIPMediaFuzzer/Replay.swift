#if !LIBFUZZER
import FuzzReplay

/// Without libFuzzer (the package's normal build, where `Scripts/fuzz-media` is not adding
/// `-DLIBFUZZER` and the fuzzer's `main`), this target replays inputs through the same entry point:
/// each argument is a file, or a directory whose files are all read. A trap or a failed round trip
/// crashes, as under libFuzzer; otherwise it prints how many inputs it ran and exits 0. The tests run
/// it over the seed corpus.
@main
enum Replay {
    static func main() {
        let count = FuzzInputs.replay(CommandLine.arguments.dropFirst()) { bytes in
            bytes.withUnsafeBufferPointer { buffer in
                _ = fuzzOneInput(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
            }
        }
        print("replayed \(count) inputs")
    }
}
#endif
