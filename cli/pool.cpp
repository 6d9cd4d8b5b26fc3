#include "cli/pool.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cli/report.h"

namespace dwsim::cli {

namespace {

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) _exit(3);
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::vector<proof::CellResult> run_cells(const std::vector<proof::Cell>& cells, const proof::ProveOptions& options,
                                         int jobs, const Progress& progress) {
  const int total = static_cast<int>(cells.size());
  std::vector<proof::CellResult> results(cells.size());
  long long cases = 0;
  int violations = 0, done = 0;
  auto account = [&](const proof::CellResult& r) {
    ++done;
    cases += r.cases_run;
    violations += r.observed == scenarios::Verdict::violated ? 1 : 0;
    if (progress) progress(done, total, cases, violations);
  };
  if (jobs <= 1 || total <= 1) {
    for (int i = 0; i < total; ++i) {
      results[i] = proof::prove_cell(cells[i], options);
      account(results[i]);
    }
    return results;
  }
  jobs = std::min(jobs, total);
  void* shared = ::mmap(nullptr, sizeof(std::atomic<int>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  auto* next = new (shared) std::atomic<int>(0);
  std::vector<pid_t> pids;
  std::vector<int> fds;
  for (int w = 0; w < jobs; ++w) {
    int p[2];
    if (::pipe(p) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(p[0]);
      for (int fd : fds) ::close(fd);
      for (;;) {
        const int i = next->fetch_add(1);
        if (i >= total) break;
        std::string line;
        try {
          line = nlohmann::json{{"index", i}, {"result", to_json(proof::prove_cell(cells[i], options), options.seed)}}
                     .dump();
        } catch (const std::exception& e) {
          line = nlohmann::json{{"index", i}, {"error", e.what()}}.dump();
        }
        write_all(p[1], line + "\n");
      }
      ::close(p[1]);
      _exit(0);
    }
    ::close(p[1]);
    pids.push_back(pid);
    fds.push_back(p[0]);
  }
  std::vector<std::string> buffers(fds.size());
  std::vector<bool> open(fds.size(), true);
  std::string failure;
  for (int open_count = jobs; open_count > 0;) {
    std::vector<pollfd> pfds;
    std::vector<int> which;
    for (std::size_t w = 0; w < fds.size(); ++w) {
      if (open[w]) {
        pfds.push_back(pollfd{fds[w], POLLIN, 0});
        which.push_back(static_cast<int>(w));
      }
    }
    if (::poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t k = 0; k < pfds.size(); ++k) {
      if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int w = which[k];
      char buf[65536];
      const ssize_t n = ::read(fds[w], buf, sizeof buf);
      if (n <= 0) {
        open[w] = false;
        --open_count;
        ::close(fds[w]);
        continue;
      }
      buffers[w].append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = buffers[w].find('\n')) != std::string::npos;) {
        const auto j = nlohmann::json::parse(buffers[w].substr(0, nl));
        buffers[w].erase(0, nl + 1);
        const int i = j.at("index").get<int>();
        if (j.contains("error")) {
          failure = j["error"].get<std::string>();
          continue;
        }
        results[i] = cell_result_from_json(j.at("result"));
        results[i].cell = cells[i];
        account(results[i]);
      }
    }
  }
  int worst = 0;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) worst = 1;
  }
  ::munmap(shared, sizeof(std::atomic<int>));
  if (!failure.empty()) throw std::runtime_error(failure);
  if (worst || done != total) throw std::runtime_error("a worker process died before finishing its cells");
  return results;
}

}  // namespace dwsim::cli
