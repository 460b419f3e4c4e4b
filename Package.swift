// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "swiftgrad",
    products: [
        // The Swift API.
        .library(name: "SwiftGrad", targets: ["SwiftGrad"]),
        // libswiftgrad.so: the C ABI declared in include/swiftgrad.h.
        .library(name: "swiftgrad", type: .dynamic, targets: ["SwiftGradCABI"]),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The header as a Clang module, so the compiler checks the wrappers
        // against the declarations C programs see.
        .systemLibrary(name: "CSwiftGrad", path: "include"),
        .target(name: "SwiftGrad", dependencies: ["COpenBLAS"]),
        .target(
            name: "SwiftGradCABI",
            dependencies: ["SwiftGrad", "CSwiftGrad"],
            exclude: ["exports.map"],
            // A C program then needs only libswiftgrad.so and OpenBLAS. The
            // version script exports only the sg_ functions; lld, because gold
            // leaves some hidden Swift symbols in the dynamic symbol table.
            linkerSettings: [.unsafeFlags([
                "-static-stdlib", "-use-ld=lld",
                "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/SwiftGradCABI/exports.map",
            ])]
        ),
        .executableTarget(
            name: "seed-xor",
            dependencies: ["SwiftGrad"],
            path: "examples/swift"
        ),
        .testTarget(name: "SwiftGradTests", dependencies: ["SwiftGrad"]),
    ]
)
