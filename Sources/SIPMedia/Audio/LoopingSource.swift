/// Plays a source again from its start each time it ends: music on hold, a prompt on repeat.
package struct LoopingSource<Base: AudioSource>: AudioSource {
    private let original: Base
    private var current: Base

    package init(_ base: Base) {
        original = base
        current = base
    }

    package mutating func nextFrame() -> [Int16]? {
        if let frame = current.nextFrame() { return frame }
        current = original
        // An empty source stays empty rather than spinning.
        return current.nextFrame()
    }
}

extension LoopingSource: Sendable where Base: Sendable {}
