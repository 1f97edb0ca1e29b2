; The desk (绩效目标表) installer: per user, no admin rights, Chinese.
; A pynsist template (Jinja), rendered by packaging/build_windows.py.
!define PRODUCT_NAME "[[ib.appname]]"
!define PRODUCT_VERSION "[[ib.version]]"
!define INSTALLER_NAME "[[ib.installer_name]]"
!define PRODUCT_ICON "[[icon]]"
!define REG_UNINSTALL "Software\Microsoft\Windows\CurrentVersion\Uninstall\desk"
!define PROGID "desk.db"
!define APP_ID "desk.JiXiaoMuBiaoBiao"

Unicode true
ManifestDPIAware true
SetCompressor /SOLID [[ compressor ]]
SetDatablockOptimize on
SetDateSave off
RequestExecutionLevel user

!include "MUI2.nsh"
!define MUI_ABORTWARNING
!define MUI_ICON "[[icon]]"
!define MUI_UNICON "[[icon]]"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "启动${PRODUCT_NAME}"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchDesk
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Name "${PRODUCT_NAME} ${PRODUCT_VERSION}"
OutFile "${INSTALLER_NAME}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT_NAME}"
ShowInstDetails show
BrandingText "${PRODUCT_NAME} ${PRODUCT_VERSION}"

Section "!${PRODUCT_NAME}" sec_app
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  RMDir /r "$INSTDIR\pkgs"  ; an upgrade leaves no old modules behind
  SetOutPath "$INSTDIR\pkgs"
  File /r "pkgs\*.*"
  [% for destination, group in grouped_files %]
  SetOutPath "[[destination]]"
  [% for file in group %]
  File "[[ file ]]"
  [% endfor %]
  [% endfor %]
  [% for dir, destination in ib.install_dirs %]
  SetOutPath "[[ pjoin(destination, dir) ]]"
  File /r "[[dir]]\*.*"
  [% endfor %]

  ; Start menu: 绩效目标表 with the program's own icon (the program sets its AppUserModelID at start)
  SetOutPath "$INSTDIR"
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}.lnk" "$INSTDIR\Python\pythonw.exe" \
    '"$INSTDIR\desk_launch.pyw"' "$INSTDIR\${PRODUCT_ICON}"

  ; Offered for .db files (打开方式) without taking the extension over
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "绩效目标表文件"
  WriteRegStr HKCU "Software\Classes\${PROGID}" "FriendlyTypeName" "绩效目标表文件"
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\${PRODUCT_ICON}"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" \
    '"$INSTDIR\Python\pythonw.exe" "$INSTDIR\desk_launch.pyw" "%1"'
  WriteRegStr HKCU "Software\Classes\.db\OpenWithProgids" "${PROGID}" ""
  WriteRegStr HKCU "Software\Classes\Applications\pythonw.exe\SupportedTypes" ".db" ""

  ; Byte-compile, so the first start is not slow
  DetailPrint "正在准备程序文件…"
  nsExec::ExecToLog '"$INSTDIR\Python\python.exe" -m compileall -q "$INSTDIR\pkgs"'

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${REG_UNINSTALL}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKCU "${REG_UNINSTALL}" "DisplayVersion" "${PRODUCT_VERSION}"
  WriteRegStr HKCU "${REG_UNINSTALL}" "DisplayIcon" "$INSTDIR\${PRODUCT_ICON}"
  WriteRegStr HKCU "${REG_UNINSTALL}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${REG_UNINSTALL}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${REG_UNINSTALL}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${REG_UNINSTALL}" "NoModify" 1
  WriteRegDWORD HKCU "${REG_UNINSTALL}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  ; The program's own files only: the clerk's .db files and %LOCALAPPDATA%\desk (settings, logs) stay
  Delete "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
  RMDir /r "$INSTDIR\pkgs"
  RMDir /r "$INSTDIR\Python"
  [% for file, destination in ib.install_files %]
  Delete "[[pjoin(destination, file)]]"
  [% endfor %]
  [% for dir, destination in ib.install_dirs %]
  RMDir /r "[[pjoin(destination, dir)]]"
  [% endfor %]
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegValue HKCU "Software\Classes\.db\OpenWithProgids" "${PROGID}"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  DeleteRegKey HKCU "${REG_UNINSTALL}"
SectionEnd

Function LaunchDesk
  Exec '"$INSTDIR\Python\pythonw.exe" "$INSTDIR\desk_launch.pyw"'
FunctionEnd
