/// The product of two matrices. `matmul` and `dot` bring 1-D operands to
/// this by adding and removing length-1 axes, so their gradients come free.
struct Matmul: Primitive {
    var name: String { "matmul" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype else {
            throw SwiftGradError.type(name, "dtypes \(a.dtype) and \(b.dtype) differ")
        }
        guard a.dtype.isNumeric else { throw unsupported(name, a.dtype) }
        guard a.rank == 2, b.rank == 2 else {
            throw SwiftGradError.internal(name, "operands must be matrices, got \(describe(a.shape)) and \(describe(b.shape))")
        }
        if let k = a.shape[1], let l = b.shape[0], k != l {
            throw notAligned(name, a.shape, b.shape)
        }
        return TensorType(a.dtype, [a.shape[0], b.shape[1]])
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try gemm(inputs[0], inputs[1], into: out, name)
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let a = inputs[0], b = inputs[1]
        return i == 0
            ? try Tensor.apply(self, g, b.transposed().conj())
            : try Tensor.apply(self, a.transposed().conj(), g)
    }
}

/// NumPy's message for operands whose inner lengths differ.
func notAligned(_ op: String, _ a: [Int?], _ b: [Int?]) -> SwiftGradError {
    let bAxis = b.count == 1 ? 0 : b.count - 2
    let k = a.last.flatMap { $0 }.map(String.init) ?? "?"
    let l = b[bAxis].map(String.init) ?? "?"
    return SwiftGradError.value(
        op, "shapes \(describe(a)) and \(describe(b)) are not aligned: \(k) (dim \(a.count - 1)) != \(l) (dim \(bAxis))")
}
