"""Builds swiftgrad's C extension over libswiftgrad, the Swift core.

Building the extension first builds the library with SwiftPM in the
repository root (the parent of this directory), then links it with an
$ORIGIN rpath and copies libswiftgrad.so beside the extension, so the
installed package imports from any directory.
"""

import os
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LIBDIR = os.path.join(ROOT, ".build", "release")
LIBRARY = "libswiftgrad.so"
SWIFT_BUILD = ["swift", "build", "-c", "release"]


class BuildExt(build_ext):
    def run(self):
        if os.environ.get("SWIFTGRAD_SKIP_SWIFT_BUILD") != "1":
            subprocess.check_call(SWIFT_BUILD, cwd=ROOT)
        library = os.path.join(LIBDIR, LIBRARY)
        if not os.path.exists(library):
            raise RuntimeError(f"{library} is missing; run {' '.join(SWIFT_BUILD)}")
        super().run()
        # The extension finds the library beside itself through its rpath.
        for ext in self.extensions:
            target = os.path.dirname(self.get_ext_fullpath(ext.name))
            os.makedirs(target, exist_ok=True)
            shutil.copy2(library, os.path.join(target, LIBRARY))


extension = Extension(
    "swiftgrad._swiftgrad",
    sources=["swiftgrad/_swiftgrad.c"],
    depends=[os.path.join(ROOT, "include", "swiftgrad.h")],
    include_dirs=[os.path.join(ROOT, "include")],
    library_dirs=[LIBDIR],
    libraries=["swiftgrad"],
    extra_compile_args=["-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter",
                        "-Wno-missing-field-initializers"],
    extra_link_args=["-Wl,-rpath,$ORIGIN"],
)

setup(ext_modules=[extension], cmdclass={"build_ext": BuildExt})
