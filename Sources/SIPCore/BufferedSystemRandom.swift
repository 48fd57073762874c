#if canImport(Glibc)
import Glibc
#endif

/// The system's random words, as `SystemRandomNumberGenerator` gives them (the kernel's CSPRNG, by
/// getrandom(2); glibc's `arc4random_buf` makes the same call), read 256 bytes at a time instead of 8
/// per word: a call's Call-ID, tags, session ids and
/// SDP session id took some ten system calls, each building the kernel's per-call generator state.
///
/// Copies share one buffer, so no two copies hand out the same word; a word is handed out once. Not
/// for use from two threads at once: each owner (a driver on its event loop) keeps its own.
package struct BufferedSystemRandom: RandomNumberGenerator {
    private final class Words {
        var words = [UInt64](repeating: 0, count: 32)
        var next = 32
    }

    private let storage = Words()

    package init() {}

    package mutating func next() -> UInt64 {
        if storage.next == storage.words.count { refill() }
        defer { storage.next += 1 }
        return storage.words[storage.next]
    }

    /// 256 bytes in one call (glibc's `arc4random_buf` cannot fail; elsewhere, the standard
    /// generator a word at a time).
    private func refill() {
        #if canImport(Glibc)
        storage.words.withUnsafeMutableBytes { bytes in
            if let base = bytes.baseAddress { arc4random_buf(base, bytes.count) }
        }
        #else
        var system = SystemRandomNumberGenerator()
        for i in storage.words.indices { storage.words[i] = system.next() }
        #endif
        storage.next = 0
    }
}
