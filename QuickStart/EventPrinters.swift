/// The tasks that print a phone's event streams end when the phone shuts down (every stream finishes
/// then, after its buffered events). A command waits for them before its result line, which must be
/// the last: a printer still running would put a late event (an un-REGISTER's `disabled`) after it.
/// Bounded: a printer not done within `timeout` is cancelled.
func drain(_ printers: [Task<Void, Never>], within timeout: Duration = .seconds(5)) async {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for printer in printers { await printer.value }
            return true
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return false
        }
        _ = await group.next()
        group.cancelAll()
    }
    for printer in printers { printer.cancel() }
}
