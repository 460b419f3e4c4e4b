#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether eager operations record graphs for `backward()`, per thread
/// (PyTorch's `no_grad`). Symbolic graphs are built either way.
public enum GradMode {
    // A null thread-specific value means enabled, so no thread allocates.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    public static var isEnabled: Bool {
        get { pthread_getspecific(key) == nil }
        set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }

    /// Runs `body` with recording switched on, then restores the setting.
    static func withEnabled<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isEnabled
        isEnabled = true
        defer { isEnabled = previous }
        return try body()
    }

    /// Runs `body` with recording switched off, then restores the setting.
    public static func withDisabled<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isEnabled
        isEnabled = false
        defer { isEnabled = previous }
        return try body()
    }
}
