/// Words for libxml2's error numbers (which FoundationXML passes on as `XMLParser.ErrorCode` raw
/// values, with no message of its own on Linux). Only the ones a hand-edited config file meets are
/// spelled out; the rest say their number.
enum XMLErrorText {
    static func message(forParserCode code: Int, openElement: XMLElementNode?) -> String {
        let open = openElement.map { " (inside <\($0.name)> opened on line \($0.line))" } ?? ""
        switch code {
        case 4: return "the document is empty or does not start with an element"
        case 5: return "the document ends too early or has content after the root element" + open
        case 6, 7, 8: return "invalid character reference (&#…;)"
        case 9: return "a character that is not allowed in XML, or not in the declared encoding"
        case 26, 27: return "undefined entity: only &amp; &lt; &gt; &quot; &apos; and &#…; are known; write & as &amp;"
        case 31, 32, 79, 81: return "unknown or unsupported encoding in the XML declaration; use UTF-8"
        case 33, 34, 43, 44: return "an attribute value is not quoted or its quote is not closed" + open
        case 38: return "'<' inside an attribute value; write it as &lt;"
        case 39, 40, 41: return "malformed attribute: expected name=\"value\"" + open
        case 42: return "the same attribute is given twice on one element"
        case 45: return "a comment is not closed with -->"
        case 46, 47, 56, 57: return "malformed processing instruction or XML declaration (<?…?>)"
        case 63: return "a CDATA section is not closed with ]]>"
        case 64, 65, 68, 75: return "malformed tag" + open
        case 72, 74: return "expected '<' or '</'" + open
        case 73: return "a tag is not closed with '>' or '/>'" + open
        case 76: return "the closing tag does not match the open element" + open
        case 77: return "an element is not closed" + open
        case 80: return "'--' inside a comment"
        case 85, 86: return "content after the root element, or elements not well balanced"
        case 200...299: return "namespace error (undeclared prefix or bad xmlns attribute)" + open
        case 512: return "parsing was aborted"
        default: return "XML error \(code) (libxml2)" + open
        }
    }
}
