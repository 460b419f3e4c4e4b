import CSwiftGrad
import SwiftGrad
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// What every wrapper shares: turning thrown errors into a status and a
// per-thread message, and checked conversions of C arguments. No wrapper
// traps on anything a caller passes.

/// A per-thread C string the library owns (sqlite3_errmsg's contract).
struct ThreadLocalString {
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        self.key = key
    }

    var pointer: UnsafePointer<CChar>? {
        pthread_getspecific(key).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
    }

    func set(_ text: String) {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, strdup(text))
        free(old)
    }
}

let lastError = ThreadLocalString()

/// A NULL where a pointer is required.
struct NullArgument: Error {
    let message: String
}

/// One C call: its name, for messages, and checked argument conversions.
struct Call {
    let function: String

    func tensor(_ handle: OpaquePointer?, _ argument: String) throws -> Tensor {
        guard let handle else { throw NullArgument(message: "[\(function)] \(argument) is NULL") }
        return Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    func function(_ handle: OpaquePointer?) throws -> Function {
        guard let handle else { throw NullArgument(message: "[\(function)] function is NULL") }
        return Unmanaged<Function>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    func pointer<T>(_ pointer: UnsafeMutablePointer<T>?, _ argument: String) throws -> UnsafeMutablePointer<T> {
        guard let pointer else { throw NullArgument(message: "[\(function)] \(argument) is NULL") }
        return pointer
    }

    /// Copies `text` to `buffer` as snprintf does and reports its length.
    func copy(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
              _ length: UnsafeMutablePointer<Int>?) throws {
        let length = try pointer(length, "length")
        try checkCount(capacity, "capacity")
        let bytes = Array(text.utf8)
        if capacity > 0 {
            let buffer = try pointer(buffer, "buffer")
            let n = min(bytes.count, capacity - 1)
            for i in 0..<n { buffer[i] = CChar(bitPattern: bytes[i]) }
            buffer[n] = 0
        }
        length.pointee = bytes.count
    }

    /// `count` tensors from a C array of handles.
    func tensors(_ handles: UnsafePointer<OpaquePointer?>?, _ count: Int, _ argument: String) throws -> [Tensor] {
        try checkCount(count, argument)
        guard count > 0 else { return [] }
        guard let handles else { throw NullArgument(message: "[\(function)] \(argument) is NULL") }
        return try (0..<count).map { try tensor(handles[$0], "\(argument)[\($0)]") }
    }

    /// `count` tensors from a C array of handles, viewed in place (no
    /// array is made), each checked not NULL.
    func tensorView(_ handles: UnsafePointer<OpaquePointer?>?, _ count: Int, _ argument: String) throws -> TensorHandles {
        try checkCount(count, argument)
        guard count > 0 else { return TensorHandles(handles: UnsafeBufferPointer(start: nil, count: 0)) }
        guard let handles else { throw NullArgument(message: "[\(function)] \(argument) is NULL") }
        for i in 0..<count where handles[i] == nil {
            throw NullArgument(message: "[\(function)] \(argument)[\(i)] is NULL")
        }
        // Checked: none is NULL, and an optional pointer has a pointer's layout.
        let checked = UnsafeRawPointer(handles).assumingMemoryBound(to: OpaquePointer.self)
        return TensorHandles(handles: UnsafeBufferPointer(start: checked, count: count))
    }

    /// `count` 64-bit integers, at most 64 of them (NumPy's limit on dimensions).
    func integers(_ values: UnsafePointer<Int64>?, _ count: Int, _ argument: String) throws -> [Int] {
        try checkCount(count, argument)
        guard count <= 64 else {
            throw SwiftGradError(.value, function, "\(argument) has \(count) entries; at most 64 are supported")
        }
        guard count > 0 else { return [] }
        guard let values else { throw NullArgument(message: "[\(function)] \(argument) is NULL") }
        return (0..<count).map { Int(values[$0]) }
    }

    /// A size_t count above Int.max arrives negative.
    private func checkCount(_ count: Int, _ argument: String) throws {
        guard count >= 0 else {
            throw SwiftGradError(.value, function, "the length of \(argument) is too large: \(UInt(bitPattern: count))")
        }
    }

    func dtype(_ dtype: sg_dtype) throws -> DType {
        guard let value = DType(c: dtype) else {
            throw SwiftGradError(.type, function, "unknown dtype \(dtype.rawValue)")
        }
        return value
    }
}

/// Runs one C call: a thrown error becomes a status and the thread's last
/// error message.
func guarded(_ function: String, _ body: (Call) throws -> Void) -> sg_status {
    do {
        try body(Call(function: function))
        return SG_OK
    } catch let error as SwiftGradError {
        lastError.set(error.message)
        switch error.kind {
        case .value: return SG_ERROR_VALUE
        case .type: return SG_ERROR_TYPE
        case .index: return SG_ERROR_INDEX
        case .memory: return SG_ERROR_MEMORY
        case .internal: return SG_ERROR_INTERNAL
        }
    } catch let error as NullArgument {
        lastError.set(error.message)
        return SG_ERROR_NULL
    } catch {
        lastError.set("[\(function)] \(error)")
        return SG_ERROR_INTERNAL
    }
}

extension DType {
    // The core's raw values are the header's numbers.
    var c: sg_dtype { sg_dtype(rawValue: UInt32(rawValue)) }

    init?(c: sg_dtype) {
        guard c.rawValue <= UInt32(Int32.max) else { return nil }
        self.init(rawValue: Int32(c.rawValue))
    }
}

extension Tensor {
    /// A new reference for the caller to free.
    var retainedHandle: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }
}

/// A static C string.
func cString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The shape of every wrapper that makes one tensor: check `out`, compute,
/// hand back a new reference.
func operation(_ function: String, _ out: UnsafeMutablePointer<OpaquePointer?>?,
               _ body: (Call) throws -> Tensor) -> sg_status {
    guarded(function) { call in
        let out = try call.pointer(out, "out")
        out.pointee = try body(call).retainedHandle
    }
}

/// The tensors behind a caller's array of handles, borrowed for one call.
struct TensorHandles: RandomAccessCollection {
    let handles: UnsafeBufferPointer<OpaquePointer>
    var startIndex: Int { 0 }
    var endIndex: Int { handles.count }
    subscript(i: Int) -> Tensor {
        Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer(handles[i])).takeUnretainedValue()
    }
}
