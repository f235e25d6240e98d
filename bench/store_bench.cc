// The driver of bench/store.py: one store operation through aqe's S3 backend, so the script can
// time it and sample its peak RSS against curl doing the same transfer. Not shipped.
//   aqe_store_bench put|get|store|fetch ENDPOINT BUCKET KEY PATH [MULTIPART_THRESHOLD_BYTES]
// put/get move PATH as one object; store/fetch move it as an artifact (compression none) and
// fetch writes the artifact's directory to PATH. Credentials: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY. AQE_BENCH_PART_MIB and AQE_BENCH_PART_CONCURRENCY override the
// multipart defaults.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aqe/store/artifact.h"
#include "aqe/store/store.h"

int main(int argc, char** argv) {
  using namespace aqe::store;
  if (argc < 6) {
    std::fprintf(stderr, "usage: aqe_store_bench put|get|store|fetch ENDPOINT BUCKET KEY PATH [THRESHOLD]\n");
    return 3;
  }
  const std::string op = argv[1];
  auto creds = s3_credentials_from_env([](const char* name) -> const char* { return std::getenv(name); });
  if (!creds) {
    std::fprintf(stderr, "%s\n", creds.failure().message.c_str());
    return 3;
  }
  S3Options o;
  o.endpoint_url = argv[2];
  o.bucket = argv[3];
  o.force_path_style = true;
  o.credentials = *creds;
  if (argc > 6) o.multipart_threshold = std::stoull(argv[6]);
  // For trying other multipart settings than the defaults the table measures.
  if (const char* v = std::getenv("AQE_BENCH_PART_MIB")) o.part_size = std::stoull(v) << 20;
  if (const char* v = std::getenv("AQE_BENCH_PART_CONCURRENCY")) o.part_concurrency = std::stoi(v);
  auto s3 = make_s3_backend(o);
  const std::string key = argv[4];
  const std::string path = argv[5];
  StoreStatus status = stored();
  if (op == "put") status = s3->put(key, path);
  if (op == "get") status = s3->get(key, path);
  if (op == "store" || op == "fetch") {
    ArtifactSpec spec;
    spec.prefix = "bench";
    spec.key = key;
    spec.branch = "main";
    spec.compression = Compression::kNone;
    spec.files = {{path, "payload.bin"}};
    auto r = op == "store" ? store_artifact(*s3, spec, true) : fetch_artifact(*s3, "bench", key, path);
    if (!r) status = r.failure();
  }
  if (!status) {
    std::fprintf(stderr, "%s\n", status.failure().message.c_str());
    return static_cast<int>(exit_code_for(status.failure().kind));
  }
  return 0;
}
