// The translation unit that builds the docs examples' precompiled header
// (tests/docs/CMakeLists.txt, doc_examples_pch); it has no code of its own.
