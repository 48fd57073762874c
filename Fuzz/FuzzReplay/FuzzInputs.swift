import Foundation

/// A fuzz target's replay outside libFuzzer: the files it reads: each path given, or every regular file of a directory given, in name order.
public enum FuzzInputs {
    /// Calls `run` with the bytes of each input file; returns how many it read. A path that does not
    /// exist is a fatal error (a replay of nothing must not pass).
    public static func replay(_ paths: some Sequence<String>, _ run: ([UInt8]) -> Void) -> Int {
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                fatalError("no such input: \(path)")
            }
            let files =
                isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                run([UInt8](data))
                count += 1
            }
        }
        return count
    }
}
