import CSwiftGrad
import SwiftGrad

// Dtypes: names, sizes, promotion and limits, all read from the core's
// description of each dtype.

private let dtypeNames = NameTable(DType.allCases.map(\.description))

@_cdecl("sg_dtype_name")
public func sgDTypeName(_ dtype: sg_dtype) -> UnsafePointer<CChar>? {
    DType(c: dtype).flatMap { dtypeNames[Int($0.rawValue)] }
}

@_cdecl("sg_dtype_itemsize")
public func sgDTypeItemSize(_ dtype: sg_dtype) -> Int { DType(c: dtype)?.itemSize ?? 0 }

@_cdecl("sg_dtype_kind_of")
public func sgDTypeKindOf(_ dtype: sg_dtype, _ out: UnsafeMutablePointer<sg_dtype_kind>?) -> sg_status {
    guarded("sg_dtype_kind_of") { call in
        let out = try call.pointer(out, "out")
        out.pointee = sg_dtype_kind(rawValue: UInt32(try call.dtype(dtype).kind.rawValue))
    }
}

@_cdecl("sg_dtype_promote")
public func sgDTypePromote(_ a: sg_dtype, _ b: sg_dtype, _ out: UnsafeMutablePointer<sg_dtype>?) -> sg_status {
    guarded("sg_dtype_promote") { call in
        let out = try call.pointer(out, "out")
        let a = try call.dtype(a), b = try call.dtype(b)
        guard let dtype = DType.promoted(a, b) else {
            throw SwiftGradError(.type, call.function, "no promotion rule for \(a) and \(b)")
        }
        out.pointee = dtype.c
    }
}

@_cdecl("sg_dtype_can_cast")
public func sgDTypeCanCast(_ from: sg_dtype, _ to: sg_dtype, _ out: UnsafeMutablePointer<Bool>?) -> sg_status {
    guarded("sg_dtype_can_cast") { call in
        let out = try call.pointer(out, "out")
        out.pointee = DType.canCast(try call.dtype(from), to: try call.dtype(to))
    }
}

@_cdecl("sg_dtype_finfo")
public func sgDTypeFInfo(_ dtype: sg_dtype, _ out: UnsafeMutablePointer<sg_finfo>?) -> sg_status {
    guarded("sg_dtype_finfo") { call in
        let out = try call.pointer(out, "out")
        let dtype = try call.dtype(dtype)
        guard let limits = dtype.floatingLimits else {
            throw SwiftGradError(.type, call.function, "\(dtype) is not a floating-point dtype")
        }
        out.pointee = sg_finfo(bits: Int32(dtype.realPart.bits), eps: limits.eps, max: limits.max,
                               min: -limits.max, smallest_normal: limits.smallestNormal)
    }
}

@_cdecl("sg_dtype_iinfo")
public func sgDTypeIInfo(_ dtype: sg_dtype, _ out: UnsafeMutablePointer<sg_iinfo>?) -> sg_status {
    guarded("sg_dtype_iinfo") { call in
        let out = try call.pointer(out, "out")
        let dtype = try call.dtype(dtype)
        guard let limits = dtype.integerLimits else {
            throw SwiftGradError(.type, call.function, "\(dtype) is not an integer dtype")
        }
        out.pointee = sg_iinfo(bits: Int32(dtype.bits), min: limits.min, max: limits.max)
    }
}
