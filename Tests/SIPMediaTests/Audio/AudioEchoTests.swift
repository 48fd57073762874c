import Testing

@testable import SIPMedia

@Suite("AudioEcho: what is received is sent back")
struct AudioEchoTests {
    static func frame(_ value: Int16) -> [Int16] { [Int16](repeating: value, count: NarrowbandAudio.samplesPerFrame) }
    static let silence = frame(0)

    @Test func framesComeBackInOrderThenSilenceNeverNil() {
        let echo = AudioEcho()
        var sink = echo.sink
        var source = echo.source
        #expect(source.nextFrame() == Self.silence)  // nothing received yet
        for value in Int16(1)...3 { sink.consume(Self.frame(value)) }
        #expect(echo.bufferedFrames == 3)
        #expect(source.nextFrame() == Self.frame(1))
        #expect(source.nextFrame() == Self.frame(2))
        sink.consume(Self.frame(4))
        #expect(source.nextFrame() == Self.frame(3))
        #expect(source.nextFrame() == Self.frame(4))
        for _ in 0..<5 { #expect(source.nextFrame() == Self.silence) }
        #expect(echo.droppedFrames == 0)
    }

    @Test func aFullEchoDropsTheOldestAndCountsThem() {
        let echo = AudioEcho()
        #expect(echo.capacity == 10)
        var sink = echo.sink
        var source = echo.source
        for value in Int16(1)...15 { sink.consume(Self.frame(value)) }
        #expect(echo.bufferedFrames == 10)
        #expect(echo.droppedFrames == 5)
        for value in Int16(6)...15 { #expect(source.nextFrame() == Self.frame(value)) }
        #expect(source.nextFrame() == Self.silence)
    }

    @Test func theCapacityIsAtLeastOneFrame() {
        let echo = AudioEcho(capacity: 0)
        #expect(echo.capacity == 1)
        var sink = echo.sink
        var source = echo.source
        sink.consume(Self.frame(1))
        sink.consume(Self.frame(2))
        #expect(source.nextFrame() == Self.frame(2))
        #expect(echo.droppedFrames == 1)
    }

    @Test func whatIsSentIsAlwaysOneFrame() {
        let echo = AudioEcho()
        var sink = echo.sink
        var source = echo.source
        sink.consume([1, 2, 3])
        sink.consume(Self.frame(9) + [9, 9])
        #expect(source.nextFrame() == [1, 2, 3] + [Int16](repeating: 0, count: 157))
        #expect(source.nextFrame() == Self.frame(9))
    }
}
