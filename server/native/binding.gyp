{
  "targets": [
    {
      "target_name": "nnseg_native",
      "sources": [
        "src/addon.cc",
        "src/conv.cc",
        "src/norm_act.cc",
        "src/jobs.cc",
        "src/elementwise.cc",
        "src/loss.cc"
      ],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp", "-fvisibility=hidden"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
