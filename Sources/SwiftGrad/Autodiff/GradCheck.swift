/// Checks the gradients of `f` at `inputs` against central differences
/// (PyTorch's gradcheck): for every output element j and input element k,
/// the vjp's ∂f_j/∂x_k must be within `atol + rtol·|n|` of
/// n = (f_j(x + eps·e_k) − f_j(x − eps·e_k)) / 2eps. Inputs must be float64
/// tensors with values; `f` gets fresh leaves that require grad. With
/// `checkGradGrad` the vjp itself (at a fixed cotangent, with
/// `createGraph`) is checked the same way, so second derivatives are too.
/// Throws a value error naming the worst element when a check fails.
public func gradcheck(_ f: ([Tensor]) throws -> Tensor, inputs: [Tensor], eps: Double = 1e-6,
                      atol: Double = 1e-5, rtol: Double = 1e-3, checkGradGrad: Bool = false) throws {
    guard eps > 0, eps.isFinite, atol >= 0, rtol >= 0 else {
        throw SwiftGradError.value("gradcheck", "eps must be positive and finite, atol and rtol non-negative (got eps \(eps), atol \(atol), rtol \(rtol))")
    }
    let values = try inputs.enumerated().map { i, x -> NDArray in
        guard x.kind == .value, let value = x.value else {
            throw SwiftGradError.type("gradcheck", "input \(i) is a \(x.summary); gradcheck needs values")
        }
        guard value.dtype == .float64 else {
            throw SwiftGradError.type("gradcheck", "input \(i) is \(value.dtype); central differences need float64 inputs")
        }
        return value
    }
    let check = GradCheck(eps: eps, atol: atol, rtol: rtol)
    try GradMode.withEnabled {
        try check.firstOrder(f, values, "")
        guard checkGradGrad else { return }
        try withoutActuallyEscaping(f) { f in
            try check.firstOrder(try check.vjp(of: f, at: values), values, "second order (the vjp's gradient): ")
        }
    }
}

/// One gradient check's tolerances and steps.
struct GradCheck {
    let eps, atol, rtol: Double

    /// f's value at `values`, recording nothing.
    func evaluate(_ f: ([Tensor]) throws -> Tensor, _ values: [NDArray]) throws -> NDArray {
        let y = try GradMode.withDisabled { try f(values.map(Tensor.init)) }
        guard y.kind == .value, let value = y.value, value.dtype.kind == .realFloating else {
            throw SwiftGradError.type("gradcheck", "the function must return a real floating tensor with a value, got a \(y.summary)")
        }
        return value
    }

    /// The vjp of `f` at a fixed cotangent, as a function of the inputs
    /// (its gradients flattened and joined): checking its gradient checks
    /// the second derivatives.
    func vjp(of f: @escaping ([Tensor]) throws -> Tensor, at values: [NDArray]) throws -> ([Tensor]) throws -> Tensor {
        let output = try evaluate(f, values)
        let cotangent = try Tensor(fixedNoise(output.count), shape: output.shape, dtype: output.dtype)
        return { xs in
            // Central differences call this with plain values and recording
            // off: the inner gradient still needs leaves and a graph.
            let xs = try xs.map { x -> Tensor in
                guard !x.requiresGrad, let value = x.value else { return x }
                let leaf = Tensor(value)
                try leaf.setRequiresGrad(true)
                return leaf
            }
            return try GradMode.withEnabled {
                let y = try f(xs)
                let ids = Set(xs.map(\.graphID))
                let found = y.requiresGrad ? try Autodiff.gradients(of: y, seed: cotangent) { ids.contains($0.graphID) } : []
                let grads = try xs.map { x in
                    try (found.first { $0.tensor === x }?.gradient ?? zerosGradient(like: x)).reshaped([-1])
                }
                return try concat(grads, axis: 0)
            }
        }
    }

    func firstOrder(_ f: ([Tensor]) throws -> Tensor, _ values: [NDArray], _ what: String) throws {
        let xs = try values.map { v -> Tensor in
            let x = try Tensor(v.scalars, shape: v.shape, dtype: .float64)
            try x.setRequiresGrad(true)
            return x
        }
        let y = try f(xs)
        guard y.kind == .value, let yValue = y.value, yValue.dtype.kind == .realFloating else {
            throw SwiftGradError.type("gradcheck", "the function must return a real floating tensor with a value, got a \(y.summary)")
        }
        let m = yValue.count
        // analytic[i][k * m + j] = ∂y_j/∂x_i[k], one backward pass per j.
        var analytic = values.map { [Double](repeating: 0, count: $0.count * m) }
        let ids = Set(xs.map(\.graphID))
        if y.requiresGrad {
            for j in 0..<m {
                var seed = [Double](repeating: 0, count: m)
                seed[j] = 1
                let seedTensor = try Tensor(seed, shape: yValue.shape, dtype: yValue.dtype)
                let found = try GradMode.withDisabled {
                    try Autodiff.gradients(of: y, seed: seedTensor) { ids.contains($0.graphID) }
                }
                for (i, x) in xs.enumerated() {
                    guard let g = found.first(where: { $0.tensor === x })?.gradient.scalars else { continue }
                    for (k, v) in g.enumerated() { analytic[i][k * m + j] = v }
                }
            }
        }
        var worst: (excess: Double, text: String)?
        var mismatches = 0, entries = 0
        for (i, value) in values.enumerated() {
            let base = value.scalars
            for k in base.indices {
                var plus = base, minus = base
                plus[k] += eps
                minus[k] -= eps
                let yPlus = try evaluate(f, replacing(values, i, plus)).scalars
                let yMinus = try evaluate(f, replacing(values, i, minus)).scalars
                for j in 0..<m {
                    entries += 1
                    let n = (yPlus[j] - yMinus[j]) / (2 * eps), a = analytic[i][k * m + j]
                    let tolerance = atol + rtol * abs(n), error = abs(a - n)
                    guard !(error <= tolerance) else { continue }
                    mismatches += 1
                    let excess = error.isNaN ? .infinity : error - tolerance
                    if worst == nil || excess > worst!.excess {
                        worst = (excess, "∂output\(index(j, yValue.shape))/∂input \(i)\(index(k, value.shape)) is \(a) by the vjp but \(n) by central differences")
                    }
                }
            }
        }
        if let worst {
            throw SwiftGradError.value(
                "gradcheck", "\(what)\(worst.text) (eps \(eps), atol \(atol), rtol \(rtol)); \(mismatches) of \(entries) entries differ, this one most")
        }
    }

    private func replacing(_ values: [NDArray], _ i: Int, _ scalars: [Double]) throws -> [NDArray] {
        var values = values
        values[i] = try NDArray(scalars, shape: values[i].shape, dtype: .float64)
        return values
    }

    /// `[1,2]`: the multi-index of flat position `k`.
    private func index(_ k: Int, _ shape: [Int]) -> String {
        var k = k, parts = [Int]()
        for n in shape.reversed() {
            parts.append(n == 0 ? 0 : k % n)
            k = n == 0 ? 0 : k / n
        }
        return "[" + parts.reversed().map(String.init).joined(separator: ",") + "]"
    }

    /// Deterministic values in [0.5, 1.5): a cotangent that weighs every
    /// output differently.
    func fixedNoise(_ count: Int) -> [Double] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return 0.5 + Double(state >> 11) / Double(1 << 53)
        }
    }
}
