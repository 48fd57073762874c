extension StringProtocol {
    /// Without leading and trailing spaces and tabs (SIPUserAgent does not import Foundation).
    var trimmedSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
