; Inno Setup 6 script: the Windows installer of Evidence Kit (x64).
;
; Build on Windows after PyInstaller has put the app in dist\evidence-kit (see packaging\README.md):
;     iscc packaging\windows\evidence-kit.iss
; The version is read from evidence-kit.exe's version resource, which the PyInstaller spec fills
; from evidence_kit.__version__; pass /DAppVersion=... only to override it.
; Output: dist\evidence-kit-<version>-windows-x64-setup.exe

#ifndef SourceDir
  #define SourceDir AddBackslash(SourcePath) + "..\..\dist\evidence-kit"
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AddBackslash(SourceDir) + "evidence-kit.exe", "ProductVersion")
#endif
#if AppVersion == ""
  #error "Could not read the version from evidence-kit.exe: build the app with PyInstaller first."
#endif

#define AppName "Evidence Kit"
#define AppExe "EvidenceKit.exe"
#define CliExe "evidence-kit.exe"

[Setup]
; A fixed AppId: later versions upgrade this installation in place. Never change it.
AppId={{6F1B7C9E-2D4A-4E8B-9C3F-5A7D1E0B4C62}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Evidence Kit contributors
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for all users (police workstations are managed); an administrator may choose per-user.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir={#SourcePath}\..\..\dist
OutputBaseFilename=evidence-kit-{#AppVersion}-windows-x64-setup
SetupIconFile={#SourcePath}\..\..\resources\icons\evidence-kit.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running Evidence Kit before replacing its files (it closes the case cleanly).
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=auto

[Languages]
Name: "korean"; MessagesFile: "compiler:Languages\Korean.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
korean.CommandLine=Evidence Kit 명령 프롬프트
english.CommandLine=Evidence Kit command prompt
korean.CommandLineComment=명령줄에서 evidence-kit 사용 (사건 내보내기, 번들 검증)
english.CommandLineComment=Use evidence-kit from the command line (export cases, verify bundles)

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder app: EvidenceKit.exe (windowed), evidence-kit.exe (console) and _internal\.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of an older version that the new one no longer ships (pruned Qt parts, renamed modules).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"
Name: "{autoprograms}\{cm:CommandLine}"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExe}"" --help"; \
  WorkingDir: "{userdocs}"; Comment: "{cm:CommandLineComment}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Cases, settings and logs live in the users' own folders and are never removed by the uninstaller:
; evidence must survive reinstalling the tool.
