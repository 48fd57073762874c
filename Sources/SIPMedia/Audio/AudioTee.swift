/// Hands each frame to two sinks: an echo that also records, a recorder beside an analyser.
package struct AudioTee: AudioSink {
    private var first: any AudioSink
    private var second: (any AudioSink)?

    package init(_ first: any AudioSink, _ second: (any AudioSink)?) {
        self.first = first
        self.second = second
    }

    package mutating func consume(_ frame: [Int16]) {
        first.consume(frame)
        second?.consume(frame)
    }
}
