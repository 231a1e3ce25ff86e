// A real redis-server for a test: started on 127.0.0.1 on a free port (plain or TLS, with
// certificates made by the openssl CLI), stopped/continued/killed/restarted on demand, and
// always killed when the test ends (and by the kernel if the test process dies first).
// Also: a blocking one-command client for checks, and running an io_context until a condition.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "modules/rate_limit/redis_reply.hpp"
#include "temp_dir.hpp"

namespace ferry::test {

inline constexpr const char* redis_server_binary = "/usr/bin/redis-server";

// Runs `io` until `done()` holds or `limit` passes; true when it held.
template <class Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Runs `io` for `duration` (handlers only: no sleeping while work is due).
inline void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  run_until(io, [&] { return std::chrono::steady_clock::now() >= end; }, duration + std::chrono::seconds(1));
}

inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to port 0 failed");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Whether process `pid` holds the socket listening on 127.0.0.1:port. Tests may run in parallel
// (ctest -j): a port found free can be taken by another test's server before ours binds it,
// and ours must not then mistake that one for itself.
inline bool listens_on(pid_t pid, std::uint16_t port) {
  char local[32];
  std::snprintf(local, sizeof(local), "0100007F:%04X", static_cast<unsigned>(port));
  std::set<std::string> inodes;
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local_address, remote_address, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local_address >> remote_address >> state >> queues >> timer >> retransmits >> uid >> timeout >>
        inode;
    if (local_address == local && state == "0A") inodes.insert("socket:[" + inode + "]");
  }
  if (inodes.empty()) return false;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(fd.path(), link_ec);
    if (!link_ec && inodes.count(target.string()) != 0) return true;
  }
  return false;
}

// A blocking connection to 127.0.0.1:port, for the test's own checks (plain servers only).
class blocking_redis {
 public:
  explicit blocking_redis(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~blocking_redis() {
    if (fd_ >= 0) ::close(fd_);
  }
  blocking_redis(const blocking_redis&) = delete;
  blocking_redis& operator=(const blocking_redis&) = delete;

  bool connected() const { return connected_; }

  // Sends one command and waits for its reply; a reply of kind error with text "(io)" when the
  // connection failed.
  redis_reply command(std::initializer_list<std::string_view> args) {
    redis_reply reply;
    reply.type = redis_reply::kind::error;
    reply.text = "(io)";
    if (!connected_) return reply;
    const std::vector<std::string_view> argv(args);
    const redis_command formatted = redis_command::format(argv);
    std::string_view rest = formatted.bytes();
    while (!rest.empty()) {
      const auto n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) return reply;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    while (true) {
      redis_reply parsed;
      const auto result = reader_.next(parsed);
      if (result == redis_reply_reader::result::reply) return parsed;
      if (result == redis_reply_reader::result::protocol_error) return reply;
      char buffer[4096];
      const auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return reply;
      reader_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  redis_reply_reader reader_;
};

struct redis_tls_files {
  std::string ca_cert, ca_key;
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string other_ca_cert;  // a CA that signed nothing here
};

// A CA, a server certificate for localhost and 127.0.0.1, a client certificate, and a second,
// unrelated CA; EC keys, valid for a day.
inline redis_tls_files make_redis_tls_files(const temp_dir& dir) {
  const std::string d = dir.path().string();
  const std::string ext = dir.write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  const std::string script =
      "set -e; cd '" + d +
      "'; "
      "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'; "
      "openssl req -x509 $K -keyout ca.key -out ca.crt -days 1 -subj /CN=ferry-test-ca; "
      "openssl req -x509 $K -keyout other.key -out other.crt -days 1 -subj /CN=ferry-other-ca; "
      "openssl req $K -keyout server.key -out server.csr -subj /CN=localhost; "
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 "
      "-extfile server.ext; "
      "openssl req $K -keyout client.key -out client.csr -subj /CN=ferry-client; "
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1";
  const std::string command = "sh '" + dir.write("make-certs.sh", script + "\n") + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl failed to make test certificates");
  (void)ext;
  return {dir.file("ca.crt"),     dir.file("ca.key"),     dir.file("server.crt"), dir.file("server.key"),
          dir.file("client.crt"), dir.file("client.key"), dir.file("other.crt")};
}

class redis_server {
 public:
  struct options {
    std::vector<std::string> args;        // extra redis-server arguments
    const redis_tls_files* tls = nullptr;  // serve TLS only (--port 0 --tls-port P)
    bool tls_auth_clients = false;
  };

  redis_server() : redis_server(options{}) {}
  explicit redis_server(options opts) : options_(std::move(opts)) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (launch()) return;
    }
    throw std::runtime_error("redis-server did not start");
  }
  ~redis_server() { kill(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::uint16_t port() const { return port_; }
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // Kills it and starts a new one on the same port (the old socket used SO_REUSEADDR).
  void restart() {
    kill();
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (launch()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("redis-server did not restart");
  }

 private:
  bool launch() {
    std::vector<std::string> args = {redis_server_binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                     "--dir", dir_.path().string(), "--logfile", dir_.file("redis.log"),
                                     "--daemonize", "no"};
    const std::string port = std::to_string(port_);
    if (options_.tls != nullptr) {
      const auto& files = *options_.tls;
      for (const std::string& a :
           {std::string("--port"), std::string("0"), std::string("--tls-port"), port, std::string("--tls-cert-file"),
            files.server_cert, std::string("--tls-key-file"), files.server_key, std::string("--tls-ca-cert-file"),
            files.ca_cert, std::string("--tls-auth-clients"), std::string(options_.tls_auth_clients ? "yes" : "no")}) {
        args.push_back(a);
      }
    } else {
      args.push_back("--port");
      args.push_back(port);
    }
    args.insert(args.end(), options_.args.begin(), options_.args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
      // Only async-signal-safe calls here. Die with the test process, whatever happens to it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int null = ::open("/dev/null", O_RDWR);
      if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execv(redis_server_binary, argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    if (wait_ready()) return true;
    kill();
    return false;
  }

  bool wait_ready() {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;  // exited: most likely the port was taken meanwhile (by another test)
        return false;
      }
      if (!listens_on(pid_, port_)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      blocking_redis probe(port_);
      if (probe.connected()) {
        if (options_.tls != nullptr) return true;  // listening; a TLS PING needs a TLS client
        const redis_reply reply = probe.command({"PING"});
        if (reply.text != "(io)") return true;  // PONG, or NOAUTH with requirepass
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  options options_;
  temp_dir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ferry::test
