/// `${NAME}` in a value is replaced by the environment variable NAME, so passwords need not sit in
/// the file. A `$` not followed by `{` is kept as it is; substituted text is not
/// scanned again (a password containing `${` stays as it is).
enum EnvironmentSubstitution {
    struct Failure: Error, Equatable {
        var message: String
    }

    /// `secret`: the value is a password, so a malformed reference is not echoed (it may be password
    /// text that happens to contain `${`).
    static func substitute(_ value: String, environment: [String: String], secret: Bool = false) -> Result<
        String, Failure
    > {
        guard value.contains("${") else { return .success(value) }
        var result = ""
        var rest = value[...]
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else {
                return .failure(Failure(message: "`${` without a closing `}`; write ${NAME}"))
            }
            let name = String(afterOpen[..<close])
            guard isVariableName(name) else {
                let shown = secret ? "${…}" : "`${\(name)}`"
                return .failure(
                    Failure(
                        message:
                            "\(shown) is not a variable reference; a name is letters, digits and _, not starting with a digit"
                    ))
            }
            guard let replacement = environment[name] else {
                return .failure(Failure(message: "environment variable \(name) is not set (referenced as ${\(name)})"))
            }
            result += replacement
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        result += rest
        return .success(result)
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
        }
    }
}
