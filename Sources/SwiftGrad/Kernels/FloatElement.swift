#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element types kernels are specialized for, with the libm functions
/// they need under names that do not shadow libm's own.
protocol FloatElement: BinaryFloatingPoint {
    static var dtype: DType { get }
    static func exponential(_ x: Self) -> Self
    static func logarithm(_ x: Self) -> Self
    static func power(_ x: Self, _ y: Self) -> Self
}

extension Float: FloatElement {
    static var dtype: DType { .float32 }
    @inline(__always) static func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func logarithm(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func power(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: FloatElement {
    static var dtype: DType { .float64 }
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func logarithm(_ x: Double) -> Double { log(x) }
    @inline(__always) static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
}
